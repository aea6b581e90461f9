"""schema.org JSON-LD for the public pages (issue 20): what search engines and knowledge graphs
read. A project is a `Project`, a zone a `Place` with its shape, a contact a `ContactPoint` of
its `Organization`, an organization an `Organization` (`GovernmentOrganization` for a local
government).

The context is `{"@vocab": "https://schema.org/"}`: the document names schema.org without a
remote context to fetch, so any JSON-LD reader parses it offline.
"""

from __future__ import annotations

import json

from django.utils.safestring import SafeString, mark_safe

from projects.choices import PUBLIC_STATES, ContactKind, ProjectCategory, label
from projects.io.geojson import absolute_url, record_url
from projects.models import Contact, Project, Record, Zone
from registry.multilingual import pick

CONTEXT = {"@vocab": "https://schema.org/"}
# As django.utils.html.json_script: the JSON cannot close the script element.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _texts(value) -> dict:
    return value if isinstance(value, dict) else {}


def _names(value) -> dict:
    """name (English, else the first) and alternateName (the other languages)."""
    texts = {code: text for code, text in _texts(value).items() if text}
    main = pick(texts, "en")
    others = [{"@value": text, "@language": code} for code, text in texts.items() if text != main]
    return {"name": main, **({"alternateName": others} if others else {})}


def organization(org) -> dict:
    kind = "GovernmentOrganization" if org.kind == "local_government" else "Organization"
    data = {
        "@type": kind,
        "@id": absolute_url(f"/organizations/{org.slug}/"),
        "url": absolute_url(f"/organizations/{org.slug}/"),
        **_names(org.name),
        "identifier": org.identifier_prefix,
        "address": {
            "@type": "PostalAddress",
            "addressCountry": str(org.country),
            **({"addressLocality": org.city} if org.city else {}),
        },
    }
    if org.website:
        data["sameAs"] = org.website
    return data


def _countries(codes) -> list[dict]:
    return [{"@type": "Country", "name": code} for code in codes or []]


def project(record: Project) -> dict:
    data = {
        "@type": "Project",
        "@id": record_url(Project, record.identifier),
        "url": record_url(Project, record.identifier),
        "identifier": record.identifier,
        **_names(record.title),
        "description": pick(_texts(record.summary), "en"),
        "areaServed": _countries(record.countries),
        "parentOrganization": organization(record.organization),
        "keywords": label(ProjectCategory, record.category),
    }
    places = [
        {
            "@type": "Place",
            "name": place.get("name", ""),
            "geo": {"@type": "GeoCoordinates", "latitude": place["lat"], "longitude": place["lon"]},
        }
        for place in record.locations or []
    ]
    if places:
        data["location"] = places
    if record.website:
        data["sameAs"] = record.website
    return data


def _polygon(geometry) -> list[str]:
    """GeoJSON (longitude first) as schema.org GeoShape polygons ("lat lon lat lon ...")."""
    if not isinstance(geometry, dict):
        return []
    rings = []
    if geometry.get("type") == "Polygon":
        rings = [geometry["coordinates"][0]]
    elif geometry.get("type") == "MultiPolygon":
        rings = [polygon[0] for polygon in geometry["coordinates"]]
    return [" ".join(f"{lat} {lon}" for lon, lat, *_rest in ring) for ring in rings]


def zone(record: Zone) -> dict:
    data = {
        "@type": "Place",
        "@id": record_url(Zone, record.identifier),
        "url": record_url(Zone, record.identifier),
        "identifier": record.identifier,
        **_names(record.name),
        "description": pick(_texts(record.description), "en"),
        "containedInPlace": _countries(record.countries),
    }
    polygons = _polygon(record.geometry)
    if polygons:
        data["geo"] = [{"@type": "GeoShape", "polygon": polygon} for polygon in polygons]
    return data


def contact(record: Contact) -> dict:
    point = {
        "@type": "ContactPoint",
        "@id": record_url(Contact, record.identifier),
        "url": record_url(Contact, record.identifier),
        "identifier": record.identifier,
        **_names(record.name),
        "contactType": label(ContactKind, record.kind),
        "areaServed": _countries(record.countries),
    }
    if record.phone:
        point["telephone"] = record.phone
    if record.email:
        point["email"] = record.email
    if record.languages:
        point["availableLanguage"] = list(record.languages)
    if record.hours:
        point["hoursAvailable"] = record.hours
    return {**organization(record.organization), "contactPoint": point}


BUILDERS = {Project: project, Zone: zone, Contact: contact}


def script_text(data: dict) -> SafeString:
    """The JSON-LD document, safe inside <script type="application/ld+json">."""
    text = json.dumps({"@context": CONTEXT, **data}, ensure_ascii=False)
    return mark_safe(text.translate(_ESCAPES))  # noqa: S308 (escaped as json_script does)


def for_record(record: Record) -> SafeString | None:
    """The JSON-LD of a public record's page; None for a record the public does not see."""
    if record.workflow_state not in PUBLIC_STATES:
        return None
    return script_text(BUILDERS[type(record)](record))


def for_organization(org) -> SafeString:
    return script_text(organization(org))
