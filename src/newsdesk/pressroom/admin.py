from django.contrib import admin

from newsdesk.pressroom.models import Submission

admin.site.register(Submission)
