"""Public pages of the pressroom: thin views over the form, the services and the selectors."""

from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from newsdesk.media_checks import CONTENT_TYPES
from newsdesk.pressroom import spam, tokens
from newsdesk.pressroom.forms import MAX_IMAGES, SubmissionForm
from newsdesk.pressroom.models import UPLOAD_FOLDER, State
from newsdesk.pressroom.selectors import release_file_visible, release_get
from newsdesk.pressroom.services import release_confirm, release_submit
from newsdesk.ratelimit import over_limit
from newsdesk.site.visitors import client_ip

HONEYPOT = "website"
# Sending decodes up to three large images: a bound on attempts, sent or not, keeps one
# visitor from keeping the server busy with them (the daily quota counts only releases sent).
ATTEMPTS_PER_IP = (20, 60 * 60)
MAX_REQUEST_BYTES = (MAX_IMAGES + 1) * 10 * 1024 * 1024 + 1024 * 1024
FILE_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = SubmissionForm()
        form.set_challenge(spam.challenge_new())
        return _form_page(request, form)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES:
        return HttpResponse("The files sent together are too large.", status=413)
    if request.POST.get(HONEYPOT):
        return _received(request)  # a robot sees exactly what a person sees
    if over_limit(scope="pressroom:attempt", key=client_ip(request) or "-",
                  limit=ATTEMPTS_PER_IP):
        form = SubmissionForm(request.POST)  # the text kept, the files not even read
        form.add_error(None, "Too many attempts from your network in the last hour; please "
                             "try again later.")
        form.set_challenge(spam.challenge_new())
        return _form_page(request, form, status=429)
    form = SubmissionForm(request.POST, request.FILES)
    if form.is_valid():
        ip, address = client_ip(request), form.cleaned_data["contact_email"]
        if not spam.quota_left(kind="address", key=address):
            form.add_error("contact_email", f"This address has sent {spam.daily_limit()} "
                           "releases today; please try again tomorrow.")
        elif not spam.quota_left(kind="ip", key=ip):
            form.add_error(None, "Too many releases have been sent from your network today; "
                           "please try again tomorrow.")
        elif not spam.challenge_use(form.cleaned_data["challenge_token"]):
            form.add_error("challenge_answer", "This form was already sent. Please answer the "
                           "new question.")
        else:
            spam.quota_count(kind="address", key=address)
            spam.quota_count(kind="ip", key=ip)
            release_submit(**form.service_arguments())
            return _received(request)
    form.set_challenge(spam.challenge_new())
    return _form_page(request, form, status=400)


def _form_page(request: HttpRequest, form: SubmissionForm, *, status: int = 200) -> HttpResponse:
    image_rows = [[form[f"{part}_{n}"] for part in ("image", "caption", "credit")]
                  for n in range(1, MAX_IMAGES + 1)]
    return render(request, "pressroom/submit.html",
                  {"form": form, "image_rows": image_rows, "honeypot": HONEYPOT}, status=status)


def _received(request: HttpRequest) -> HttpResponse:
    return render(request, "pressroom/received.html")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners open links); POST confirms."""
    release_id = tokens.read_token(tokens.CONFIRM, token)
    release = release_get(release_id) if release_id is not None else None
    if release is None:
        return render(request, "pressroom/bad_link.html", status=404)
    if request.method == "POST":
        release = release_confirm(release=release)
    return render(request, "pressroom/confirm.html", {
        "release": release, "confirmed": release.state != State.UNCONFIRMED,
        "status_token": tokens.make_token(tokens.STATUS, release.pk)})


def status(request: HttpRequest, token: str) -> HttpResponse:
    release_id = tokens.read_token(tokens.STATUS, token)
    release = release_get(release_id) if release_id is not None else None
    if release is None:
        return render(request, "pressroom/bad_link.html", status=404)
    return render(request, "pressroom/status.html", {"release": release, "State": State})


def release_file(request: HttpRequest, name: str) -> FileResponse:
    if not FILE_NAME.match(name):
        raise Http404("No such file")
    stored = f"{UPLOAD_FOLDER}/{name}"
    if not release_file_visible(stored_name=stored, is_staff=request.user.is_staff):
        raise Http404("No such file")
    extension = name.rsplit(".", 1)[1]
    response = FileResponse(default_storage.open(stored, "rb"),
                            content_type=CONTENT_TYPES[extension],
                            as_attachment=extension == "pdf", filename=name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
