"""The column guide of the import as a page of the site (issue 18): each column of a type, what
to write in it, and the values a coded column takes with their labels in the reader's language.

It is derived from the same layout the import reads (projects.io.columns) and the same words
it accepts (projects.io.vocabulary), so the guide cannot drift from the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from projects.domain.content import FIELDS, REQUIRED_TO_PUBLISH, field_label
from projects.io import columns, vocabulary
from projects.models import Record

# Longer lists (countries: about 250) are described rather than listed.
MAX_LISTED = 20


@dataclass
class GuideColumn:
    column: str
    label: str
    how: str
    needed: bool = False
    values: list[tuple[str, str]] = field(default_factory=list)  # (code, label)


def _how(name: str) -> str:
    """What to write in the cells of field `name`, in the reader's language."""
    kind = columns.FIELD_KINDS[name]
    if name in vocabulary.COUNTRY_FIELDS:
        return _(
            "Countries by name in any of the site's languages or by ISO code (CN, KZ), "
            "separated by ;"
        )
    if name == "languages":
        return _("Languages by name or by ISO 639-1 code (zh, ru, kk), separated by ;")
    if name in vocabulary.CHOICE_FIELDS:
        return _("One of the values listed: its name in any of the site's languages, or its code.")
    return {
        columns.MULTILINGUAL: _(
            "Text, one column per language (en, zh, ru; other languages by their ISO code)."
        ),
        columns.TEXT: _("Text."),
        columns.DATE: _("A date as YYYY-MM-DD, for example 2025-06-16 (or a date cell)."),
        columns.DECIMAL: _("A number, for example 1500000.50."),
        columns.LIST: _("Several values separated by ;"),
        columns.LOCATIONS: _(
            "One place per line: name; latitude; longitude (for example: Xi'an; 34.34; 108.94)."
        ),
        columns.DOCUMENTS: _(
            "One document per line: title; address; language; category (the last two optional)."
        ),
        columns.RELATIONS: _("One per line: identifier; kind of relation."),
        columns.POLICIES: _("Text, one column per policy topic."),
        columns.GEOMETRY: _("The area as GeoJSON text (a Polygon or MultiPolygon)."),
    }[kind]


def _values(model: type[Record], name: str) -> list[tuple[str, str]]:
    allowed = vocabulary.allowed_values(model, name)
    if len(allowed) > MAX_LISTED:
        return []
    language = translation.get_language() or "en"
    language = language if language in vocabulary.SITE_LANGUAGES else "en"
    return [(code, labels[language]) for code, labels in allowed]


def column_guide(model: type[Record]) -> list[GuideColumn]:
    """The guide's rows: `ref`, then each field's columns, as the template has them."""
    rows = [
        GuideColumn(
            columns.REF_COLUMN,
            _("Reference"),
            _(
                "Your own short reference (letters, digits, - and _); the record's identifier "
                "becomes your organization's prefix, a dash and it. Leave it empty to have one "
                "made. A file exported from the registry has an identifier column instead."
            ),
        )
    ]
    for name in FIELDS[model]:
        for column in columns.field_columns(model, name, columns.TEMPLATE_LANGUAGES):
            rows.append(
                GuideColumn(
                    column,
                    field_label(name),
                    _how(name),
                    needed=name in REQUIRED_TO_PUBLISH[model],
                    values=_values(model, name),
                )
            )
    return rows
