"""The checks of a record's content (SPEC 4 and 5): every field rule and publishability.

`validated(actor, candidate, data, base_links)` applies the given fields to an unsaved record and
checks all of them at once: unknown names, the JSON type of each value, the model's validators
(ISO codes, E.164, GeoJSON: projects/validation.py), date order, budget currency, and links to
records the actor can see. It raises one ValidationError naming every field in error and writes
nothing. `check_publishable` is what submitting asks on top (SPEC 5 "complete enough").
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

from projects import validation
from projects.choices import RelationKind, ZoneKind
from projects.domain.boundary import access_record
from projects.domain.content import (
    FIELDS,
    LINK_FIELDS,
    REQUIRED_TO_PUBLISH,
    SERVER_FIELDS,
    assign_fields,
    content_of,
)
from projects.models import Contact, Project, Record, Zone
from registry.tenancy import Actor, NotVisible


class FieldErrors:
    """Collects field errors so that a caller sees every problem at once."""

    def __init__(self):
        self.errors: dict[str, list] = {}

    def add(self, field: str, message: str, code: str = "invalid", **params) -> None:
        self.errors.setdefault(field, []).append(
            ValidationError(message, code=code, params=params or None)
        )

    def merge(self, error: ValidationError) -> None:
        for field, messages in error.error_dict.items():
            self.errors.setdefault(field, []).extend(messages)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _check_keys(model: type[Record], data: dict, errors: FieldErrors) -> dict:
    """Keep the writable fields of `data`; unknown names are field errors, server ones ignored."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["Give the record's fields as an object."]})
    content = {}
    for name, value in data.items():
        if name in FIELDS[model]:
            content[name] = value
        elif name in ("identifier", "ref"):
            continue  # handled by the caller: given at creation, immutable afterwards
        elif name not in SERVER_FIELDS:
            errors.add(
                name,
                "%(name)s is not a field of a %(type)s.",
                code="unknown_field",
                name=name,
                type=model.__name__.lower(),
            )
    return content


# The JSON types each kind of column accepts; anything else is refused before conversion.
SCALAR_TYPES = (
    (models.DateField, (str,), "Give %(name)s as a date, YYYY-MM-DD.", "invalid_date"),
    (models.DecimalField, (str, int, float), "Give %(name)s as a number.", "invalid_number"),
    (models.CharField, (str,), "Give %(name)s as text.", "not_text"),
)


def _normalize_scalars(model: type[Record], content: dict, errors: FieldErrors) -> None:
    """Empty values mean 'no value' for nullable columns; other values must have the right type."""
    for name in list(content):
        if name in LINK_FIELDS:
            continue
        field = model._meta.get_field(name)
        value = content[name]
        if isinstance(field, models.JSONField) or value is None:
            continue
        if field.null and value in ("", [], {}):
            content[name] = None
            continue
        if isinstance(field, models.DecimalField) and isinstance(value, float):
            # A JSON number (the JSON export writes amounts as numbers) as the digits it was
            # written with: 1500000.5, not the float's 1500000.50000000000.
            content[name] = value = format(Decimal(repr(value)), "f")
        for column_type, accepted, message, code in SCALAR_TYPES:
            if isinstance(field, column_type) and (
                not isinstance(value, accepted) or isinstance(value, bool)
            ):
                errors.add(name, message, code, name=name)
                del content[name]
                break


def _check_dates(candidate: Record, errors: FieldErrors) -> None:
    pairs = {
        Project: [("planned_start", "planned_end"), ("actual_start", "actual_end")],
        Contact: [("valid_from", "valid_until")],
    }.get(type(candidate), [])
    for start_name, end_name in pairs:
        validation.check_date_order(
            errors.errors,
            start_name,
            getattr(candidate, start_name),
            end_name,
            getattr(candidate, end_name),
        )


def _check_budget(candidate: Record, errors: FieldErrors) -> None:
    has_amount = isinstance(candidate, Project) and candidate.budget_amount is not None
    if has_amount and not candidate.budget_currency:
        errors.add(
            "budget_currency",
            "A budget amount needs its ISO 4217 currency (for example CNY, KZT, UZS).",
            "currency_required",
        )


def _identifier_list(value, name: str, errors: FieldErrors) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.add(name, "Give %(name)s as a list of identifiers.", "not_a_list", name=name)
        return None
    if len(set(value)) != len(value):
        errors.add(name, "Each of %(name)s may appear once.", "duplicate", name=name)
        return None
    return value


def _check_visible_identifiers(
    actor: Actor, model: type[Record], identifiers: list[str], name: str, errors: FieldErrors
) -> None:
    for identifier in identifiers:
        try:
            access_record(actor, model, identifier)
        except NotVisible:
            errors.add(
                name,
                "No %(type)s with identifier %(identifier)s.",
                "unknown_record",
                type=model.__name__.lower(),
                identifier=identifier,
            )


def _check_related_projects(
    actor: Actor, candidate: Record, value, errors: FieldErrors
) -> list | None:
    shape_error = "Give related_projects as a list of {identifier, kind (parent, child, sibling)}."
    if not isinstance(value, list) or not all(
        isinstance(item, dict)
        and set(item) == {"identifier", "kind"}
        and isinstance(item["identifier"], str)
        and item["kind"] in RelationKind.values
        for item in value
    ):
        errors.add("related_projects", shape_error, "invalid_relation")
        return None
    identifiers = [item["identifier"] for item in value]
    if len(set(identifiers)) != len(identifiers):
        errors.add("related_projects", "Each related project may appear once.", "duplicate")
        return None
    if candidate.identifier in identifiers:
        errors.add("related_projects", "A project cannot be related to itself.", "self_relation")
        return None
    _check_visible_identifiers(actor, Project, identifiers, "related_projects", errors)
    return sorted(value, key=lambda item: item["identifier"])


def _check_links(actor: Actor, candidate: Record, content: dict, errors: FieldErrors) -> dict:
    """Validate the link fields of content; return them normalized (sorted)."""
    links = {}
    for name in LINK_FIELDS & set(content):
        if name == "related_projects":
            checked = _check_related_projects(actor, candidate, content[name], errors)
        else:
            checked = _identifier_list(content[name], name, errors)
            if checked is not None:
                target = Zone if name == "zones" else Project
                _check_visible_identifiers(actor, target, checked, name, errors)
                checked = sorted(checked)
        if checked is not None:
            links[name] = checked
    return links


def validated(actor: Actor, candidate: Record, data: dict, base_links: dict) -> dict:
    """Apply `data` to the unsaved `candidate`, validate everything, return the full content.

    Raises ValidationError naming every field in error; nothing is written.
    """
    model = type(candidate)
    errors = FieldErrors()
    changes = _check_keys(model, data, errors)
    if model is Contact and "countries" not in changes and candidate.pk is None:
        # A contact's countries default to those it covers.
        changes["countries"] = changes.get("countries_covered", [])
    _normalize_scalars(model, changes, errors)
    assign_fields(candidate, changes)
    try:
        candidate.full_clean()
    except ValidationError as exc:
        errors.merge(exc)
    if not errors.errors:
        _check_dates(candidate, errors)
        _check_budget(candidate, errors)
    links = {**base_links, **_check_links(actor, candidate, changes, errors)}
    errors.raise_if_any()
    content = content_of(candidate)
    content.update(links)
    return content


def check_publishable(model: type[Record], content: dict) -> None:
    """Is the record complete enough to publish (SPEC 5)? Missing fields come back as errors."""
    errors = FieldErrors()
    for name in REQUIRED_TO_PUBLISH[model]:
        if content.get(name) in (None, "", [], {}):
            errors.add(name, "%(name)s is needed to publish.", "required_to_publish", name=name)
    if model is Project and not (content.get("locations") or content.get("zones")):
        errors.add(
            "locations",
            "A project needs at least one location or a linked zone to be published.",
            "location_or_zone_required",
        )
    cross_border = model is Zone and content.get("kind") == ZoneKind.CROSS_BORDER_TOURISM_ZONE
    if cross_border and len(content.get("countries") or []) < 2:
        errors.add(
            "countries",
            "A cross-border tourism zone lies in two or more countries.",
            "cross_border_needs_two_countries",
        )
    if model is Contact and not (content.get("phone") or content.get("email")):
        errors.add("phone", "A contact needs a phone number or an email.", "phone_or_email")
    errors.raise_if_any()
