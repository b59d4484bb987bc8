from django.contrib import admin

from newsdesk.ads.models import BookingRequest

admin.site.register(BookingRequest)
