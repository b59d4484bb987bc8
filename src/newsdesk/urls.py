from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.static import serve

LEADS_URL = f"{settings.MEDIA_URL.strip('/')}/leads/<path:path>"


def lead_image_file(request: HttpRequest, path: str) -> HttpResponse:
    """Resized lead images; a front server serves this folder itself (docs/deploy.md)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT / "leads")


urlpatterns = [
    path("desk/", admin.site.urls),
    path("pr", include("newsdesk.pressroom.urls")),
    path("", include("newsdesk.ads.urls")),
    path("newsletter/", include("newsdesk.newsletter.urls")),
    path("", include("newsdesk.site.health")),
    path("", include("newsdesk.site.machine_urls")),
    path("", include("newsdesk.site.urls")),
    path(LEADS_URL, lead_image_file),
]

handler500 = "newsdesk.site.views.server_error"
