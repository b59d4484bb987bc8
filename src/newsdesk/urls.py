from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("desk/", admin.site.urls),
    path("pr", include("newsdesk.pressroom.urls")),
    path("", include("newsdesk.ads.urls")),
    path("newsletter/", include("newsdesk.newsletter.urls")),
    path("", include("newsdesk.site.health")),
    path("", include("newsdesk.site.machine_urls")),
    path("", include("newsdesk.site.urls")),
]

handler500 = "newsdesk.site.views.server_error"
