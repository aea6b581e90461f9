"""The GeoJSON export (RFC 7946): one feature per record, so that summing a column counts each
record once (issue 20).

* a project's locations: a Point for one, a MultiPoint for several (longitude first);
* a zone: its polygon;
* no location: the feature is there with `"geometry": null` (GDAL, QGIS and geopandas read it).

Beside the multilingual objects of the JSON export, flat properties that GIS tools can label
and filter by: `title` (in the language asked for, else English, else any), `title_zh`,
`title_ru`, `organization_name`, `category_label` (a project's category, a zone's kind, in the
language asked for) and `url` (the public page, under settings.SITE_URL). A project's
multilingual `title` object is there as `title_i18n` (the flat `title` takes its name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Organization
from projects.models import Project, Record, Zone
from registry.api.renderers import points_geometry
from registry.multilingual import pick

LANGUAGE_CODES = {"en": "en", "zh": "zh-hans", "ru": "ru"}  # flat title's key -> Django's code


def absolute_url(path: str) -> str:
    """A path of the site as an absolute URL (settings.SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def record_url(model: type[Record], identifier: str) -> str:
    """The record's public page, absolute (settings.SITE_URL)."""
    return absolute_url(reverse(f"{model.__name__.lower()}-detail", args=[identifier]))


def _geometry(model: type[Record], item: dict):
    if model is Zone:
        return item.get("geometry")
    return points_geometry(item.get("locations"))


def feature_maker(model: type[Record], lang: str = "en") -> Callable[[dict], Iterator[dict]]:
    """item -> [its one feature], with the organizations' names read once."""
    names = {
        slug: pick(name, LANGUAGE_CODES.get(lang, "en"))
        for slug, name in Organization.objects.values_list("slug", "name")
    }
    title_field = "title" if model is Project else "name"
    vocabulary_field = "category" if model is Project else "kind"
    vocabulary = model._meta.get_field(vocabulary_field).choices
    with translation.override(LANGUAGE_CODES.get(lang, "en")):
        labels = {value: str(text) for value, text in vocabulary}

    def features(item: dict) -> Iterator[dict]:
        texts = item.get(title_field) or {}
        flat = {
            "title": texts.get(lang) or texts.get("en") or next(iter(texts.values()), ""),
            "title_zh": texts.get("zh", ""),
            "title_ru": texts.get("ru", ""),
            "organization_name": names.get(item.get("organization"), ""),
            "category_label": labels.get(item.get(vocabulary_field), ""),
            "url": record_url(model, item["identifier"]),
        }
        properties = {key: value for key, value in item.items() if key != "geometry"}
        if "title" in properties:  # a project's multilingual title makes way for the flat one
            properties["title_i18n"] = properties.pop("title")
        yield {
            "type": "Feature",
            "id": item.get("identifier"),
            "geometry": _geometry(model, item),
            "properties": {**flat, **properties},
        }

    return features
