"""{% ad_slot "leaderboard" region=... country=... %}: a placeholder that ads.js fills.

The placeholder is the same for every reader, so a page cached as a static file still rotates
its ads: the ad itself comes from /ads/slot/<code>, fetched per view.
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from newsdesk.ads.models import Slot

register = template.Library()


@register.simple_tag
def ad_slot(code: str, region: str = "", country: str = "") -> SafeString:
    return format_html(
        '<div class="ad-slot" data-slot="{}" data-region="{}" data-country="{}"></div>'
        '<script src="{}" data-endpoint="{}" data-css="{}" defer></script>',
        code, region or "", country or "", static("ads/ads.js"),
        reverse("ads:slot", kwargs={"code": "-"}).removesuffix("-"), static("ads/ads.css"))


@register.simple_tag
def ad_slot_paragraph(code: str) -> int | None:
    """The paragraph an in-article slot follows (set in the desk), or None."""
    return Slot.objects.filter(code=code, is_active=True).values_list(
        "after_paragraph", flat=True).first()
