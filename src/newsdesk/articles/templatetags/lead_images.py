"""{% load lead_images %}: an article's image at a few widths, for `srcset`.

    {% with image=article.image_url|lead_image %}{% if image %}
      <img src="{{ image.src }}" srcset="{{ image.srcset }}" sizes="(min-width: 48rem) 44rem, 100vw"
           width="{{ image.width }}" height="{{ image.height }}" alt="{{ article.image_alt }}"
           loading="lazy" decoding="async">
    {% endif %}{% endwith %}

`region_image` does the same for the site's own image of a region (`slug|region_image`).
"""

from __future__ import annotations

from django import template

from newsdesk.articles import images

register = template.Library()


@register.filter
def lead_image(image_url: str) -> images.LeadImage | None:
    return images.lead_image(image_url or "")


@register.filter
def region_image(slug: str) -> images.LeadImage | None:
    return images.region_image(slug or "world")
