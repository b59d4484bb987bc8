"""What every public page knows about the site."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from newsdesk.ingest.places import region_names


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site": {"name": settings.SITE_NAME, "domain": settings.SITE_DOMAIN,
                 "base_url": settings.BASE_URL},
        "nav_regions": list(region_names().items()),
    }
