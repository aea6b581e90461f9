"""Template filters for multilingual record fields (SPEC 4): `{% load multilingual %}`."""

from django import template

from registry.multilingual import pick

register = template.Library()


@register.filter(name="pick")
def pick_filter(value) -> str:
    """A multilingual field in the reader's language, with SPEC 4's fallback."""
    return pick(value)
