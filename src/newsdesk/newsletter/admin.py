from django.contrib import admin

from newsdesk.newsletter.models import Subscriber

admin.site.register(Subscriber)
