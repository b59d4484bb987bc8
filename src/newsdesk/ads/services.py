import datetime

from newsdesk.ads.models import BookingRequest


def booking_request_create(*, advertiser: str, contact_email: str, slot: str,
                           starts_on: datetime.date, ends_on: datetime.date,
                           message: str = "") -> BookingRequest:
    return BookingRequest.objects.create(advertiser=advertiser, contact_email=contact_email,
                                         slot=slot, starts_on=starts_on, ends_on=ends_on,
                                         message=message)
