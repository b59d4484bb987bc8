from django.urls import include, path
from django.views.generic import RedirectView

from newsdesk.pressroom import views

app_name = "pressroom"
# The site mounts this at "pr" (no slash): the form answers at /pr, its pages under /pr/.
pages = [
    path("", RedirectView.as_view(url="/pr", permanent=True)),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("status/<str:token>/", views.status, name="status"),
    path("files/<str:name>", views.release_file, name="file"),
]
urlpatterns = [
    path("", views.submit, name="submit"),
    path("/", include(pages)),
]
