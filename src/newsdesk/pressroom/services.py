from newsdesk.pressroom.models import Submission


def submission_create(*, organisation: str, contact_name: str, contact_email: str, title: str,
                      summary: str, body: str) -> Submission:
    """A new release always starts pending, whatever the form was sent."""
    return Submission.objects.create(
        organisation=organisation, contact_name=contact_name, contact_email=contact_email,
        title=title, summary=summary, body=body, state=Submission.State.PENDING)
