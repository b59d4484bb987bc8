"""The project's URLs plus one page that carries ad slots the way site templates will."""

from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.urls import path

from newsdesk.urls import urlpatterns as site_urlpatterns

PAGE = Template("""{% extends "site/base.html" %}{% load ads %}
{% block content %}{% ad_slot "leaderboard" region="asia" %}
<article class="story"><h1>Ferry timetable changes across the islands</h1>
<div class="body"><p>The harbour council met on Monday to settle the summer timetable.</p>
<p>Fishermen asked for an earlier first crossing; the council agreed to a trial.</p>
{% ad_slot "in_article" region="asia" country="JP" %}
<p>The new timetable starts on the first of June.</p></div></article>{% endblock %}""")


def ad_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render(RequestContext(request, {})))


urlpatterns = [path("ad-page/", ad_page), *site_urlpatterns]
