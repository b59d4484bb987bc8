from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("desk/", admin.site.urls),
    path("pr", include("newsdesk.pressroom.urls")),
    path("ads", include("newsdesk.ads.urls")),
    path("newsletter/", include("newsdesk.newsletter.urls")),
    path("", include("newsdesk.site.urls")),
]
