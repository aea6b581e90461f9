"""The words an official may type in an import cell for a coded value (issue 18, "import in the
official's words").

A cell for a category, kind, status, country, language or document category takes the code
(`event_festival`, `KZ`) or the label the site shows for it in any of its three languages
("Event or festival", "活动或节庆", "Kazakhstan", "Казахстан"), in any case. The labels come from
the one place each is defined (projects/choices.py through the model fields, django-countries,
Django's language names), so a label the site shows is always one the import reads. The same
table is the template's second sheet and the column guide page.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils import translation
from django_countries import countries as iso_countries

from projects.choices import DocumentCategory, RelationKind
from projects.models import Record

# The site's languages (settings.LANGUAGES: en, zh-hans, ru).
SITE_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
# ISO 639-1 codes SPEC 4 names first; the import takes any other code too.
SPEC_LANGUAGES = ("en", "zh", "ru", "kk", "uz", "ky", "tg", "tk")
COUNTRY_FIELDS = ("countries", "countries_covered")
CHOICE_FIELDS = ("category", "kind", "lifecycle_status")
# Names people use that Django's language names spell otherwise ("Simplified Chinese").
ALIASES = {"languages": {"Chinese": "zh", "中文": "zh", "汉语": "zh", "Китайский": "zh"}}


def _labels(label) -> dict[str, str]:
    """{site language: the label in it}."""
    labels = {}
    for language in SITE_LANGUAGES:
        with translation.override(language):
            labels[language] = str(label)
    return labels


def _country_labels(code: str) -> dict[str, str]:
    labels = {}
    for language in SITE_LANGUAGES:
        with translation.override(language):
            labels[language] = str(iso_countries.name(code))
    return labels


def _language_label(code: str):
    info = LANG_INFO.get("zh-hans" if code == "zh" else code, {})
    return translation.gettext_lazy(info.get("name", code))  # noqa: INT001 (Django's own names)


@cache
def allowed_values(model: type[Record], name: str) -> tuple[tuple[str, dict[str, str]], ...]:
    """((code, {language: label}), ...) a cell of field `name` may name; () for free text."""
    if name in CHOICE_FIELDS:
        field = model._meta.get_field(name)
        return tuple((code, _labels(label)) for code, label in field.choices)
    if name in COUNTRY_FIELDS:
        return tuple((code, _country_labels(code)) for code, _name in iso_countries)
    if name == "languages":
        return tuple((code, _labels(_language_label(code))) for code in SPEC_LANGUAGES)
    if name == "documents":
        return tuple((code, _labels(label)) for code, label in DocumentCategory.choices)
    if name == "related_projects":
        return tuple((code, _labels(label)) for code, label in RelationKind.choices)
    return ()


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _codes(model: type[Record], name: str) -> dict[str, str]:
    """{code or label, case-folded: code}. A code wins over another value's label."""
    found: dict[str, str] = {}
    values = allowed_values(model, name)
    for code, labels in values:
        for label in labels.values():
            found.setdefault(_key(label), code)
    for code, _unused in values:
        found[_key(code)] = code
    for alias, code in ALIASES.get(name, {}).items():
        found.setdefault(_key(alias), code)
    return found


def code_of(model: type[Record], name: str, typed: str) -> str | None:
    """The code a cell names, by code or label; None if it names none."""
    return _codes(model, name).get(_key(typed))


def to_code(model: type[Record], name: str, typed):
    """`typed` as a code where it names one; otherwise unchanged, for the services to refuse
    (or, for free text such as a document's language, to accept)."""
    if not isinstance(typed, str) or not typed.strip():
        return typed
    return code_of(model, name, typed) or typed


def unknown_message(model: type[Record], name: str, typed: str) -> str:
    """What to say of a word that names no allowed value: the values, by label and code."""
    values = allowed_values(model, name)
    language = translation.get_language() or "en"
    language = language if language in SITE_LANGUAGES else "en"
    if len(values) > 20:
        return translation.gettext(
            "%(typed)s is not an ISO 3166-1 country code (CN, KZ) nor a country's name in "
            "English, Chinese or Russian (Kazakhstan, 哈萨克斯坦, Казахстан)."
        ) % {"typed": repr(typed)}
    listed = "; ".join(f"{labels[language]} ({code})" for code, labels in values)
    return translation.gettext(
        "%(typed)s is not one of these (the label in any of the site's languages, or the "
        "code): %(listed)s."
    ) % {"typed": repr(typed), "listed": listed}


def _translate_items(model, name: str, items, part: str, problems: list) -> list:
    translated = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict) and isinstance(item.get(part), str) and item[part].strip():
            code = code_of(model, name, item[part])
            if code is None:
                problems.append(
                    (
                        name,
                        translation.gettext("item %(index)s: %(problem)s")
                        % {"index": index, "problem": unknown_message(model, name, item[part])},
                    )
                )
            else:
                item = {**item, part: code}
        translated.append(item)
    return translated


def translate(model: type[Record], content: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The content with every label turned into its code, and [(field, message)] for the words
    that name no allowed value (their fields are left out of the content)."""
    content, problems = dict(content), []
    for name in CHOICE_FIELDS:
        typed = content.get(name)
        if isinstance(typed, str) and typed.strip():
            code = code_of(model, name, typed)
            if code is None:
                problems.append((name, unknown_message(model, name, typed)))
                del content[name]
            else:
                content[name] = code
    for name in (*COUNTRY_FIELDS, "languages"):
        typed = content.get(name)
        if not isinstance(typed, list):
            continue
        codes, unknown = [], []
        for item in typed:
            code = code_of(model, name, item) if isinstance(item, str) else None
            if code is None and name == "languages" and isinstance(item, str):
                code = item.strip().lower()  # any other ISO 639-1 code; the services check it
            (codes if code is not None else unknown).append(code or item)
        for item in unknown:
            problems.append((name, unknown_message(model, name, str(item))))
        if unknown:
            del content[name]
        else:
            content[name] = codes
    for name, part in (("documents", "category"), ("related_projects", "kind")):
        if isinstance(content.get(name), list):
            before = len(problems)
            content[name] = _translate_items(model, name, content[name], part, problems)
            if len(problems) > before:
                del content[name]
    return content, problems
