from django.http import HttpRequest, HttpResponse

from newsdesk.pressroom.forms import SubmissionForm
from newsdesk.pressroom.services import submission_create
from newsdesk.site.forms_page import form_page


def submit(request: HttpRequest) -> HttpResponse:
    return form_page(
        request, SubmissionForm, heading="Submit a press release",
        intro="Organisations can send us press releases. An editor reads every one before it is "
              "published, clearly labelled as a press release.",
        on_valid=lambda data: submission_create(**data),
        thanks="Thank you. Your press release has been received and is waiting for an editor.",
    )
