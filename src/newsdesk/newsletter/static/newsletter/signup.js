// Answers the sign-up form's check with a small proof of work (hashcash), so people with
// JavaScript never see the arithmetic question. Without JavaScript or WebCrypto (plain http
// sites), the question stays and the server accepts its answer instead.
(function () {
  "use strict";
  var form = document.querySelector("form[data-pow]");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var bits = parseInt(form.getAttribute("data-pow"), 10);
  var challenge = form.querySelector("input[name=challenge]").value;
  var work = form.querySelector("input[name=work]");
  var question = form.querySelector(".nl-question");
  var encoder = new TextEncoder();

  function leadingZeroBits(buffer) {
    var bytes = new Uint8Array(buffer), count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      return count + Math.clz32(bytes[i]) - 24;
    }
    return count;
  }

  async function solve() {
    for (var n = 0; n < 1e8; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + n));
      if (leadingZeroBits(digest) >= bits) return n;
    }
    return null;
  }

  solve().then(function (n) {
    if (n === null) return;
    work.value = String(n);
    if (question && !question.querySelector(".errorlist")) question.hidden = true;
  });
})();
