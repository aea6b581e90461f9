"""Multilingual text: a JSON object keyed by ISO 639-1 code (SPEC 4)."""

import pycountry
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ISO_639_1 = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
# The reader's language first, then these, then any (SPEC 4).
FALLBACK_ORDER = ("en", "zh", "ru")


def validate_language_code(code: str) -> None:
    if not isinstance(code, str) or code not in ISO_639_1:
        raise ValidationError(
            _("%(code)r is not an ISO 639-1 language code (two lower-case letters: en, zh, ru)."),
            code="invalid_language",
            params={"code": code},
        )


def validate_multilingual(value) -> None:
    """At least one language; keys ISO 639-1; values non-empty strings."""
    if not isinstance(value, dict) or not value:
        raise ValidationError(
            _(
                "Give the text as an object keyed by language, "
                'for example {"en": "...", "zh": "..."}.'
            ),
            code="multilingual_required",
        )
    for code, text in value.items():
        validate_language_code(code)
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(
                _("The %(code)s text must be a non-empty string."),
                code="multilingual_empty",
                params={"code": code},
            )


def _format(template, params: dict) -> str:
    return str(template) % {name: str(value) for name, value in params.items()}


_lazy_format = lazy(_format, str)


def lazy_format(template, **params) -> Promise:
    """`template % params`, put into words when read, not when written: a refusal raised while
    one language is active reads in another where it is shown (English in the audit log)."""
    return _lazy_format(template, params)


def reader_language(language: str | None = None) -> str:
    """Django's language code ('zh-hans') reduced to the ISO 639-1 key ('zh')."""
    return (language or get_language() or "en").split("-")[0].lower()


def pick(value, language: str | None = None) -> str:
    """The text to show: the reader's language, then en, zh, ru, then any."""
    return pick_with_language(value, language)[0]


def pick_with_language(value, language: str | None = None) -> tuple[str, str]:
    """(the text to show, the language it is in): what `pick` shows, and whether it is the
    reader's language or a fallback that a page marks with `lang` and a note (issue 18)."""
    if not isinstance(value, dict) or not value:
        return "", ""
    for code in (reader_language(language), *FALLBACK_ORDER):
        if value.get(code):
            return value[code], code
    code = next(iter(value))
    return value[code], code
