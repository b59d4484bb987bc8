from django.http import HttpRequest, HttpResponse

from newsdesk.ads.forms import BookingRequestForm
from newsdesk.ads.services import booking_request_create
from newsdesk.site.forms_page import form_page


def book(request: HttpRequest) -> HttpResponse:
    return form_page(
        request, BookingRequestForm, heading="Advertise with us",
        intro="Reach readers who follow their regions closely. Tell us what you would like to "
              "book and we will reply with availability and rates.",
        on_valid=lambda data: booking_request_create(**data),
        thanks="Thank you. We have your booking request and will reply by email.",
    )
