"""Newsletter pages: thin views over the services; every emailed link carries a signed token."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from newsdesk.newsletter.abuse import PER_EMAIL, PER_IP, challenge_issue
from newsdesk.newsletter.digest import digest_render, digest_sections, places_label
from newsdesk.newsletter.forms import (
    PreferencesForm,
    SignupForm,
    preferences_consent_text,
    signup_consent_text,
)
from newsdesk.newsletter.models import Edition, SubscriberStatus
from newsdesk.newsletter.selectors import edition_articles, subscriber_from_token
from newsdesk.newsletter.services import (
    inbound_process,
    normalise_email,
    subscriber_confirm,
    subscriber_signup,
    subscriber_unsubscribe,
    subscriber_update,
)
from newsdesk.newsletter.tokens import (
    TokenCheck,
    confirm_token_check,
    inbound_key,
    manage_token,
    manage_token_check,
)
from newsdesk.ratelimit import over_limit
from newsdesk.site.visitors import client_ip

MAX_INBOUND_BYTES = 2 * 1024 * 1024
SENT = ("If the address can receive our newsletter, a message is on its way to it now. "
        "Open the link in it to confirm; nothing is sent until you do. "
        "The link works for seven days.")


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request) or None


def _message(request: HttpRequest, heading: str, text: str, status: int = 200) -> HttpResponse:
    return render(request, "site/thanks.html", {"heading": heading, "thanks": text}, status=status)


def _link_problem(request: HttpRequest, check: TokenCheck, *, purpose: str) -> HttpResponse:
    expired = check.problem == "expired"
    return render(request, "newsletter/link_problem.html", {
        "expired": expired, "purpose": purpose,
    }, status=410 if expired else 400)


def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                return _message(request, "Check your inbox", SENT)  # a bot: thank it, keep nothing
            email = normalise_email(data["email"])
            if (over_limit(scope="newsletter:ip", key=_ip(request) or "-", limit=PER_IP)
                    or over_limit(scope="newsletter:email", key=email, limit=PER_EMAIL)):
                form.add_error(None, "Too many sign-ups from here in the last hour. "
                                     "Please try again later.")
                return _signup_page(request, form, status=429)
            subscriber_signup(email=email, regions=data["regions"], countries=data["countries"],
                              frequency=data["frequency"], consent_text=signup_consent_text(),
                              ip=_ip(request))
            return _message(request, "Check your inbox", SENT)
        return _signup_page(request, form, status=400)
    return _signup_page(request, SignupForm())


def _signup_page(request: HttpRequest, form: SignupForm, status: int = 200) -> HttpResponse:
    return render(request, "newsletter/signup.html", {
        "form": form, "challenge": challenge_issue(),
    }, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button (link scanners follow links); the POST confirms."""
    check = confirm_token_check(token)
    subscriber = subscriber_from_token(check)
    if subscriber is None:
        return _link_problem(request, check, purpose="confirm")
    if request.method == "POST":
        subscriber_confirm(subscriber=subscriber, ip=_ip(request))
        if subscriber.status != SubscriberStatus.ACTIVE:
            return _message(request, "This address cannot be confirmed",
                            "This sign-up was closed. Please sign up again.", status=409)
        link = manage_token(subscriber_id=subscriber.id, email=subscriber.email)
        return render(request, "newsletter/confirmed.html", {"manage_token": link})
    return render(request, "newsletter/confirm.html", {
        "subscriber": subscriber, "places": places_label(subscriber.regions, subscriber.countries),
    })


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    check = manage_token_check(token)
    subscriber = subscriber_from_token(check)
    if subscriber is None or subscriber.status == SubscriberStatus.PENDING:
        return _link_problem(request, check, purpose="preferences")
    saved = False
    if request.method == "POST" and subscriber.status == SubscriberStatus.ACTIVE:
        form = PreferencesForm(request.POST)
        if form.is_valid():
            subscriber_update(subscriber=subscriber, regions=form.cleaned_data["regions"],
                              countries=form.cleaned_data["countries"],
                              frequency=form.cleaned_data["frequency"],
                              consent_text=preferences_consent_text(), ip=_ip(request))
            saved = True
    else:
        form = PreferencesForm(initial={"regions": subscriber.regions,
                                        "countries": subscriber.countries,
                                        "frequency": subscriber.frequency})
    return render(request, "newsletter/preferences.html", {
        "form": form, "subscriber": subscriber, "token": token, "saved": saved,
        "consent_text": preferences_consent_text(),
    }, status=400 if form.errors else 200)


@csrf_exempt  # RFC 8058: the mail client POSTs without a CSRF token; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    check = manage_token_check(token)
    subscriber = subscriber_from_token(check)
    if subscriber is None:
        return _link_problem(request, check, purpose="unsubscribe")
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        subscriber_unsubscribe(subscriber=subscriber, ip=_ip(request),
                               form="one-click unsubscribe (RFC 8058)" if one_click
                               else "unsubscribe page")
        return _message(request, "You have left the newsletter",
                        f"{subscriber.email} will receive no more newsletters from "
                        f"{settings.SITE_NAME}. You can sign up again at any time.")
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


def web_view(request: HttpRequest, edition_id: int, token: str) -> HttpResponse:
    """A digest as its recipient received it, links included."""
    check = manage_token_check(token)
    subscriber = subscriber_from_token(check)
    if subscriber is None:
        return _link_problem(request, check, purpose="view")
    edition = Edition.objects.select_related("digest").filter(id=edition_id).first()
    if edition is None or not edition.deliveries.filter(subscriber=subscriber).exists():
        raise Http404("No such digest for this subscriber")
    rendered = digest_render(
        sections=digest_sections(edition_articles(list(edition.article_ids)),
                                 regions=edition.regions),
        frequency=edition.digest.frequency, edition_id=edition.id, regions=edition.regions,
        countries=edition.countries, since=edition.since, until=edition.until)
    html, _ = rendered.personalise(token)
    return HttpResponse(html)


@csrf_exempt  # called by a mail server, authenticated by the secret key in the URL
@require_POST
def inbound(request: HttpRequest, key: str) -> HttpResponse:
    """Takes one DSN, complaint or mailed unsubscribe request as the raw message body."""
    if not constant_time_compare(key, inbound_key()):
        raise Http404("No such page")
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_INBOUND_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    outcomes = inbound_process(raw=request.body)
    return JsonResponse({"reports": [
        {"kind": o.report.kind, "email": o.report.email, "status": o.report.status,
         "counted": o.counted} for o in outcomes]})

