/* Fills every <div class="ad-slot" data-slot="..."> from /ads/slot/<slot>, once per page view.
   The page itself may be a cached static file; only these small requests differ per reader. */
(function () {
  "use strict";
  if (window.newsdeskAdsLoaded) { return; }
  window.newsdeskAdsLoaded = true;
  var script = document.currentScript;
  var endpoint = (script && script.dataset.endpoint) || "/ads/slot/";
  var css = script && script.dataset.css;
  if (css && !document.querySelector('link[data-ads-css]')) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = css;
    link.setAttribute("data-ads-css", "");
    document.head.appendChild(link);
  }
  function fill(slot, first) {
    var params = new URLSearchParams();
    if (slot.dataset.region) { params.set("region", slot.dataset.region); }
    if (slot.dataset.country) { params.set("country", slot.dataset.country); }
    if (first) {  // the page view is counted with the first slot, once a reader and page
      params.set("page", "1");
      params.set("path", window.location.pathname);
    }
    var url = endpoint + encodeURIComponent(slot.dataset.slot) + "?" + params.toString();
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.status === 200 ? response.text() : ""; })
      .then(function (html) {
        if (html.trim()) {
          slot.innerHTML = html;
          slot.setAttribute("data-state", "filled");
        } else {
          slot.hidden = true;
        }
      })
      .catch(function () { slot.hidden = true; });
  }
  // One request at a time: a page has few slots, and the server never sees one reader's
  // requests race each other.
  var slots = Array.prototype.slice.call(document.querySelectorAll(".ad-slot[data-slot]"));
  slots.reduce(function (previous, slot, index) {
    return previous.then(function () { return fill(slot, index === 0); });
  }, Promise.resolve());
})();
