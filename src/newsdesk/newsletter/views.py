from django.http import HttpRequest, HttpResponse

from newsdesk.newsletter.forms import SignupForm
from newsdesk.newsletter.services import subscriber_signup
from newsdesk.site.forms_page import form_page


def signup(request: HttpRequest) -> HttpResponse:
    return form_page(
        request, SignupForm, heading="Sign up to our newsletter",
        intro="Receive updates and opportunities directly in your email inbox for free.",
        on_valid=lambda data: subscriber_signup(**data),
        thanks="Thank you for signing up.",
    )
