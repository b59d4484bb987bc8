from django import template
from django.http import HttpRequest

from newsdesk.desk.selectors import desk_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_counts(context: template.Context) -> dict[str, int]:
    """What needs an editor now: articles waiting, sources failing."""
    request: HttpRequest = context["request"]
    if not request.user.has_perm("articles.view_article"):
        return {}
    return desk_summary()
