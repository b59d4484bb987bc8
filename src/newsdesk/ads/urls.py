from django.urls import path

from newsdesk.ads import views

app_name = "ads"
# Included at the site's root: /ads is the sales page itself, not a redirect to /ads/.
urlpatterns = [
    path("ads", views.book, name="book"),
    path("ads/slot/<slug:code>", views.slot, name="slot"),
    path("ads/click/<str:token>", views.click, name="click"),
    path("ads/creative/<int:pk>/<str:name>", views.creative_image, name="creative-image"),
]
