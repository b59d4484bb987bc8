from django.urls import path

from newsdesk.newsletter import views

app_name = "newsletter"
urlpatterns = [
    path("", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("digest/<int:edition_id>/<str:token>/", views.web_view, name="web"),
    path("inbound/<str:key>/", views.inbound, name="inbound"),
]
