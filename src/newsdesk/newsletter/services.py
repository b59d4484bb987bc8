from newsdesk.newsletter.models import Subscriber


def subscriber_signup(*, email: str, regions: list[str], website: str = "") -> Subscriber | None:
    """Record a sign-up; a filled honeypot is accepted silently and stored nowhere."""
    if website:
        return None
    subscriber, _ = Subscriber.objects.get_or_create(email=email.lower(),
                                                     defaults={"regions": regions})
    return subscriber
