from django.urls import path

from newsdesk.ads import views

app_name = "ads"
urlpatterns = [path("", views.book, name="book")]
