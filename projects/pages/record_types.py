"""Each record type as the pages name and address it: its URL names' prefix and its nouns (the
words come from the vocabulary, projects.choices.RecordType), and where a record's public and edit
pages are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils.functional import Promise

from projects.choices import RECORD_TYPE_PLURALS, RecordType
from projects.models import RECORD_MODELS_BY_TYPE, Record


@dataclass(frozen=True)
class Noun:
    key: str  # the URL names' prefix: project-create, zone-edit, ...
    singular: Promise
    plural: Promise


RECORD_NOUNS = {
    record_type.value: Noun(
        record_type.value.removesuffix("s"), record_type.label, RECORD_TYPE_PLURALS[record_type]
    )
    for record_type in RecordType
}


def detail_url(record) -> str:
    """The record's public page (SPEC 7: /projects/<identifier>/, /zones/..., /contacts/...)."""
    return f"/{record.record_type}/{record.identifier}/"


def edit_url(record_type: str, identifier: str) -> str:
    """The record's edit page (/projects/<identifier>/edit/, ...)."""
    return reverse(f"{RECORD_NOUNS[record_type].key}-edit", args=[identifier])


def model_for(record_type: str) -> type[Record]:
    """The model a page's URL names (projects, zones, contacts); any other word is a 404."""
    try:
        return RECORD_MODELS_BY_TYPE[record_type]
    except KeyError:
        raise Http404 from None
