"""Small template helpers for the generic pages."""

from django import template

register = template.Library()


@register.filter
def is_under(path: str, prefix: str) -> bool:
    """Whether the page at ``path`` belongs to the section at ``prefix`` (navigation's current item)."""
    return bool(prefix) and str(path).startswith(str(prefix))
