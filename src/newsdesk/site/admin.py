"""The desk is Django's admin at /desk/, named and themed for the site."""

from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"{settings.SITE_NAME} desk"
admin.site.site_title = f"{settings.SITE_NAME} desk"
admin.site.index_title = "Editorial desk"
admin.site.site_url = "/"
admin.site.enable_nav_sidebar = False  # the desk's own navigation sits in the header
