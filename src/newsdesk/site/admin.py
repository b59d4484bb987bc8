from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"{settings.SITE_NAME} desk"
admin.site.site_title = f"{settings.SITE_NAME} desk"
admin.site.index_title = "Editorial desk"
