"""Field rules of the registry records (SPEC 4), each a Django validator naming the rule broken.

Countries are ISO 3166-1 alpha-2, currencies ISO 4217, languages ISO 639-1, phones E.164,
geometry GeoJSON per RFC 7946 (longitude first, closed rings, coordinates in range).
"""

import re
from decimal import Decimal

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries

from projects.choices import DocumentCategory, PolicyTopic
from registry.multilingual import validate_language_code, validate_multilingual

REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*-[A-Za-z0-9][A-Za-z0-9._-]*$")
COUNTRY_CODES = frozenset(dict(iso_countries))
ISO_4217 = frozenset(currency.alpha_3 for currency in pycountry.currencies)
ZONE_POLICY_KEYS = tuple(PolicyTopic.values)
DOCUMENT_CATEGORIES = tuple(DocumentCategory.values)
MAX_LIST_ITEMS = 200


def validate_ref(value: str) -> None:
    if not isinstance(value, str) or not REF_PATTERN.match(value):
        raise ValidationError(
            _("A ref is 1-60 letters, digits, '.', '_' or '-', starting with a letter or digit."),
            code="invalid_ref",
        )


def validate_identifier(value: str) -> None:
    if not isinstance(value, str) or not IDENTIFIER_PATTERN.match(value):
        raise ValidationError(
            _("An identifier is '{organization prefix}-{ref}', for example CN-XIAN-TRAIN-2025."),
            code="invalid_identifier",
        )


def validate_optional_multilingual(value) -> None:
    if value in ({}, None):
        return
    validate_multilingual(value)


def _require_list(value, what: str) -> list:
    if not isinstance(value, list):
        raise ValidationError(
            _("Give %(what)s as a list."), code="not_a_list", params={"what": what}
        )
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(
            _("At most %(max)d %(what)s."),
            code="too_many",
            params={"max": MAX_LIST_ITEMS, "what": what},
        )
    return value


def validate_country_code(code) -> None:
    # The set read once: building dict(iso_countries) per code was a third of a bulk import.
    if not isinstance(code, str) or code not in COUNTRY_CODES:
        raise ValidationError(
            _("%(code)r is not an ISO 3166-1 alpha-2 country code (for example CN, KZ, UZ)."),
            code="invalid_country",
            params={"code": code},
        )


def validate_country_list(value) -> None:
    for code in _require_list(value, "countries"):
        validate_country_code(code)
    if len(set(value)) != len(value):
        raise ValidationError(_("Each country may appear once."), code="duplicate_country")


def validate_string_list(value) -> None:
    for item in _require_list(value, "items"):
        if not isinstance(item, str) or not item.strip() or len(item) > 200:
            raise ValidationError(
                _("Each item must be a non-empty text of at most 200 characters."),
                code="invalid_item",
            )


def validate_tags(value) -> None:
    for tag in _require_list(value, "tags"):
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 50:
            raise ValidationError(
                _("Each tag must be a non-empty text of at most 50 characters."), code="invalid_tag"
            )


def validate_languages(value) -> None:
    for code in _require_list(value, "languages"):
        validate_language_code(code)


def validate_currency(value: str) -> None:
    if value and (not isinstance(value, str) or value not in ISO_4217):
        raise ValidationError(
            _("%(code)r is not an ISO 4217 currency code (for example CNY, KZT, UZS)."),
            code="invalid_currency",
            params={"code": value},
        )


def validate_phone(value: str) -> None:
    if not value:
        return
    if not isinstance(value, str):
        raise ValidationError(
            _("Give the phone number as text in E.164 form, for example +77272000000."),
            code="invalid_phone",
        )
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Give the phone number in E.164 form, for example +77272000000."),
            code="invalid_phone",
        ) from exc
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number) or e164 != value:
        raise ValidationError(
            _(
                "%(value)r is not a valid E.164 phone number (a '+', the country code, the number, "
                "no spaces)."
            ),
            code="invalid_phone",
            params={"value": value},
        )


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def validate_lat_lon(lat, lon) -> None:
    if not (_is_number(lat) and -90 <= lat <= 90):
        raise ValidationError(
            _("Latitude must be a number from -90 to 90."), code="invalid_latitude"
        )
    if not (_is_number(lon) and -180 <= lon <= 180):
        raise ValidationError(
            _("Longitude must be a number from -180 to 180."), code="invalid_longitude"
        )


def validate_locations(value) -> None:
    for location in _require_list(value, "locations"):
        if not isinstance(location, dict) or set(location) - {"name", "lat", "lon"}:
            raise ValidationError(
                _('Each location is {"name": ..., "lat": ..., "lon": ...} (WGS 84).'),
                code="invalid_location",
            )
        name = location.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(_("Each location needs a name."), code="location_name_required")
        validate_lat_lon(location.get("lat"), location.get("lon"))


def _validate_ring(ring, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(
            _("%(where)s: a linear ring needs at least four positions."),
            code="ring_too_short",
            params={"where": where},
        )
    for position in ring:
        if not isinstance(position, list) or len(position) not in (2, 3):
            raise ValidationError(
                _("%(where)s: each position is [longitude, latitude]."),
                code="invalid_position",
                params={"where": where},
            )
        lon, lat = position[0], position[1]
        if not (_is_number(lon) and -180 <= lon <= 180 and _is_number(lat) and -90 <= lat <= 90):
            raise ValidationError(
                _(
                    "%(where)s: position %(position)s is out of range; RFC 7946 puts longitude "
                    "(-180..180) first, then latitude (-90..90)."
                ),
                code="position_out_of_range",
                params={"where": where, "position": position},
            )
    if ring[0] != ring[-1]:
        raise ValidationError(
            _("%(where)s: a linear ring must be closed (its last position equals its first)."),
            code="ring_not_closed",
            params={"where": where},
        )


def _validate_polygon(rings, where: str) -> None:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(
            _("%(where)s: a polygon is a list of linear rings."),
            code="invalid_polygon",
            params={"where": where},
        )
    for index, ring in enumerate(rings):
        _validate_ring(ring, f"{where} ring {index}")


def validate_geometry(value) -> None:
    """A GeoJSON Polygon or MultiPolygon geometry (RFC 7946)."""
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _('Give a GeoJSON geometry of type "Polygon" or "MultiPolygon".'),
            code="invalid_geometry_type",
        )
    coordinates = value.get("coordinates")
    if value["type"] == "Polygon":
        _validate_polygon(coordinates, "polygon")
        return
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("A MultiPolygon is a list of polygons."), code="invalid_polygon")
    for index, polygon in enumerate(coordinates):
        _validate_polygon(polygon, f"polygon {index}")


def validate_policies(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError(
            _('Give policies as an object, for example {"visa_facilitation": "..."}.'),
            code="invalid_policies",
        )
    for key, text in value.items():
        if key not in ZONE_POLICY_KEYS:
            raise ValidationError(
                _("%(key)r is not a policy item; use %(keys)s."),
                code="invalid_policy_key",
                params={"key": key, "keys": ", ".join(ZONE_POLICY_KEYS)},
            )
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(
                _("The %(key)s policy must be a non-empty text."),
                code="policy_empty",
                params={"key": key},
            )


_url_validator = URLValidator(schemes=["http", "https"])


def validate_documents(value) -> None:
    for document in _require_list(value, "documents"):
        if not isinstance(document, dict) or set(document) - {
            "title",
            "url",
            "language",
            "category",
        }:
            raise ValidationError(
                _('Each document is {"title", "url", "language", "category"}.'),
                code="invalid_document",
            )
        if not isinstance(document.get("title"), str) or not document["title"].strip():
            raise ValidationError(_("Each document needs a title."), code="document_title_required")
        if not isinstance(document.get("url"), str):
            raise ValidationError(_("Each document needs a url."), code="document_url_required")
        try:
            _url_validator(document["url"])
        except ValidationError:
            # Own code: JSONField would replace the message of an "invalid" code by its own.
            raise ValidationError(
                _("%(url)r is not a valid http(s) URL for a document."),
                code="invalid_document_url",
                params={"url": document["url"]},
            ) from None
        if document.get("language"):
            validate_language_code(document["language"])
        if document.get("category") and document["category"] not in DOCUMENT_CATEGORIES:
            raise ValidationError(
                _("%(category)r is not a document category; use %(categories)s."),
                code="invalid_document_category",
                params={
                    "category": document["category"],
                    "categories": ", ".join(DOCUMENT_CATEGORIES),
                },
            )
