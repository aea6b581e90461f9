"""Template filters for multilingual record fields (SPEC 4): `{% load multilingual %}`."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from registry.multilingual import pick, pick_with_language, reader_language

register = template.Library()


@register.filter(name="pick")
def pick_filter(value) -> str:
    """A multilingual field in the reader's language, with SPEC 4's fallback."""
    return pick(value)


# Django knows Chinese by its script.
LANGUAGE_INFO_CODES = {"zh": "zh-hans"}


@register.filter(name="pick_marked")
def pick_marked(value):
    """Like `pick`; a text shown in a fallback language is marked with its `lang` and a small
    note in the reader's language ("in English"), so screen readers and readers know (issue 18)."""
    text, code = pick_with_language(value)
    if not text or code == reader_language():
        return text
    try:
        language = get_language_info(LANGUAGE_INFO_CODES.get(code, code))["name_translated"]
    except KeyError:
        language = code
    return format_html(
        '<span lang="{}">{}</span> <small class="fallback-note">{}</small>',
        code,
        text,
        _("(in %(language)s)") % {"language": language},
    )
