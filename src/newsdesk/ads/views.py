"""Thin views: the sales page, the ad fragment for one slot, clicks, creative images."""

from __future__ import annotations

import mimetypes

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from newsdesk.ads import tracking
from newsdesk.ads.clicks import click_ref, click_token
from newsdesk.ads.forms import BookingRequestForm
from newsdesk.ads.models import Creative, validate_web_url
from newsdesk.ads.selectors import (
    PageContext,
    audience,
    placement_choose,
    slot_active,
    slots_offered,
)
from newsdesk.ads.services import (
    booking_request_create,
    click_record,
    impression_record,
    page_view_record,
)
from newsdesk.ratelimit import over_limit
from newsdesk.site.visitors import client_ip

HEADING = "Advertise with us"
# Each request is mailed back to its contact address: bounded, so that the form cannot be
# used to flood a stranger's mailbox, or the desk's queue.
REQUESTS_PER_EMAIL = (3, 24 * 60 * 60)
REQUESTS_PER_IP = (10, 24 * 60 * 60)
# Checking a request decodes its image: attempts are bounded too, sent or not, as on /pr.
ATTEMPTS_PER_IP = (20, 60 * 60)


def book(request: HttpRequest) -> HttpResponse:
    """What the site offers, in its own numbers, and the booking request form."""
    status = 400
    if request.method == "POST" and over_limit(
            scope="ads:attempt", key=client_ip(request) or "-", limit=ATTEMPTS_PER_IP):
        form = BookingRequestForm(request.POST)  # the text kept, the image not even read
        form.add_error(None, "Too many attempts from your network in the last hour; please "
                             "try again later.")
        status = 429
    elif request.method == "POST":
        form = BookingRequestForm(request.POST, request.FILES)
        if form.is_valid() and (
                over_limit(scope="ads:ip", key=client_ip(request) or "-", limit=REQUESTS_PER_IP)
                or over_limit(scope="ads:email", key=form.cleaned_data["contact_email"].lower(),
                              limit=REQUESTS_PER_EMAIL)):
            form.add_error(None, "We have had several booking requests from here or for this "
                                 "address today. Please try again tomorrow, or write to us.")
            status = 429
        elif form.is_valid():
            booking_request_create(**form.cleaned_data)
            return render(request, "site/thanks.html", {
                "heading": HEADING,
                "thanks": "Thank you. We have your booking request and have sent you a "
                          "confirmation; we will reply by email with our decision."})
    else:
        form = BookingRequestForm()
    return render(request, "ads/book.html",
                  {"form": form, "heading": HEADING, "audience": audience(),
                   "slots": slots_offered()},
                  status=status if request.method == "POST" else 200)


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True, max_age=0)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def slot(request: HttpRequest, code: str) -> HttpResponse:
    """One slot's ad as an HTML fragment (204 when nothing runs), fetched by ads.js."""
    where = slot_active(code)
    if where is None:
        raise Http404("No such slot")
    page = PageContext.from_params(region=request.GET.get("region", ""),
                                   country=request.GET.get("country", ""))
    counted = tracking.should_count(request)
    visitor = tracking.visitor_key(request) if counted else ""  # asks the cache for its salt
    if counted and request.GET.get("page") == "1" and tracking.first_time_in_window(
            visitor=visitor, event="p:" + tracking.page_key(request.GET.get("path", ""))):
        page_view_record()  # a reader's reloads of one page within the window count once
    placement = placement_choose(slot=where, page=page)
    if placement is None:
        return _no_store(HttpResponse(status=204))
    creative = placement.creative
    if counted and tracking.first_time_in_window(visitor=visitor,
                                                 event=f"i:{creative.pk}:{where.pk}"):
        impression_record(campaign_id=placement.campaign.pk, creative_id=creative.pk,
                          slot_id=where.pk)
    click_url = reverse("ads:click", kwargs={
        "token": click_token(creative_id=creative.pk, slot_id=where.pk)})
    return _no_store(render(request, "ads/fragment.html",
                            {"placement": placement, "creative": creative, "click_url": click_url}))


def _click_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return _no_store(render(request, "ads/click_error.html", {"message": message}, status=status))


@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Count the click and go to the creative's stored target; anything else is an error page."""
    try:
        ref = click_ref(token)
    except signing.SignatureExpired:
        return _click_error(request, "This advertisement link has expired.", 410)
    except signing.BadSignature:
        return _click_error(request, "This advertisement link is not valid.", 400)
    creative = Creative.objects.select_related("campaign").filter(pk=ref.creative_id).first()
    # Paused in the desk: links on pages read before stop too. A campaign past its end date
    # still takes the clicks on what it showed while it ran.
    if creative is None or not (creative.is_active and creative.campaign.is_active):
        return _click_error(request, "This advertisement is no longer running.", 404)
    try:
        validate_web_url(creative.target_url)
    except ValidationError:
        return _click_error(request, "This advertisement has no valid destination.", 400)
    if tracking.should_count(request) and tracking.first_time_in_window(
            visitor=tracking.visitor_key(request), event=f"c:{creative.pk}:{ref.slot_id}"):
        click_record(campaign_id=creative.campaign_id, creative_id=creative.pk,
                     slot_id=ref.slot_id)
    return _no_store(HttpResponseRedirect(creative.target_url))


@require_GET
def creative_image(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """A creative's re-encoded image; the name in the URL changes with every upload."""
    creative = get_object_or_404(Creative, pk=pk)
    if not creative.image or creative.image.name.rsplit("/", 1)[-1] != name:
        raise Http404("No such image")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(creative.image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
