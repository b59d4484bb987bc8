from django.urls import path

from newsdesk.pressroom import views

app_name = "pressroom"
urlpatterns = [path("", views.submit, name="submit")]
