from django.urls import path

from newsdesk.site import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("latest/", views.latest, name="latest"),
    path("search", views.search, name="search"),
    path("news/<slug:slug>/", views.article, name="article"),
    path("news/<slug:slug>.txt", views.article_text, name="article-text"),
    path("region/<slug:slug>/", views.region, name="region"),
    path("country/<str:iso2>/", views.country, name="country"),
    path("source/<int:source_id>/", views.source, name="source"),
]
