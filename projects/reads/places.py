"""The places the map names without a tile server (issue 18, "the map"): the cities of the
cooperation with their approximate coordinates (../shared/REAL-WORLD.md), and the countries of
the region, each in the reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries

# (name, lat, lon): REAL-WORLD.md's approximate coordinates.
CITIES = (
    (_("Xi'an"), 34.34, 108.94),
    (_("Urumqi"), 43.83, 87.62),
    (_("Kashgar"), 39.47, 75.99),
    (_("Almaty"), 43.24, 76.89),
    (_("Astana"), 51.17, 71.45),
    (_("Tashkent"), 41.30, 69.24),
    (_("Samarkand"), 39.65, 66.96),
    (_("Bukhara"), 39.77, 64.42),
    (_("Bishkek"), 42.87, 74.59),
    (_("Dushanbe"), 38.56, 68.79),
    (_("Ashgabat"), 37.96, 58.33),
    (_("Khorgos"), 44.21, 80.41),
)
# The region's countries, always labelled; others when a record on the map names them.
REGION = ("CN", "KZ", "KG", "TJ", "TM", "UZ")


def city_labels() -> list[dict]:
    return [{"name": str(name), "lat": lat, "lon": lon} for name, lat, lon in CITIES]


def country_labels(codes=()) -> list[dict]:
    """{code, atlas id (ISO 3166 numeric, as world-atlas names its features), name}."""
    wanted = dict.fromkeys([*REGION, *sorted(set(codes) - set(REGION))])
    return [
        {
            "code": code,
            "atlas_id": iso_countries.numeric(code, padded=True),
            "name": str(iso_countries.name(code)),
        }
        for code in wanted
        if iso_countries.numeric(code) is not None
    ]
