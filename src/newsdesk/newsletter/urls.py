from django.urls import path

from newsdesk.newsletter import views

app_name = "newsletter"
urlpatterns = [path("", views.signup, name="signup")]
