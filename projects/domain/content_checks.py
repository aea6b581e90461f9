"""The checks of a record's content (SPEC 4 and 5): every field rule and publishability.

`validated(actor, candidate, data, base_links)` applies the given fields to an unsaved record and
checks all of them at once: unknown names, the JSON type of each value, the model's validators
(ISO codes, E.164, GeoJSON: projects/validation.py), date order, budget currency, and links to
records the actor can see. It raises one ValidationError naming every field in error and writes
nothing. `check_publishable` is what submitting asks on top (SPEC 5 "complete enough").
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.choices import RelationKind, ZoneKind
from projects.domain.boundary import access_record
from projects.domain.content import (
    FIELD_LABELS,
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
        raise ValidationError({"__all__": [_("Give the record's fields as an object.")]})
    content = {}
    for name, value in data.items():
        if name in FIELDS[model]:
            content[name] = value
        elif name in ("identifier", "ref"):
            continue  # handled by the caller: given at creation, immutable afterwards
        elif name not in SERVER_FIELDS:
            errors.add(
                name,
                _("%(name)s is not a field of a %(type)s."),
                code="unknown_field",
                name=name,
                type=model.__name__.lower(),
            )
    return content


# The JSON types each kind of column accepts; anything else is refused before conversion.
SCALAR_TYPES = (
    (models.DateField, (str,), _("Give %(name)s as a date, YYYY-MM-DD."), "invalid_date"),
    (models.DecimalField, (str, int, float), _("Give %(name)s as a number."), "invalid_number"),
    (models.CharField, (str,), _("Give %(name)s as text."), "not_text"),
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
                errors.add(name, message, code, name=label(name))
                del content[name]
                break


def label(name: str):
    """A field's label, translated when the message is read (the reader's language)."""
    return FIELD_LABELS.get(name, name)


def _check_dates(candidate: Record, errors: FieldErrors) -> None:
    """End not before start, for every pair whose two dates could be read (the other fields'
    errors do not hide this one)."""
    pairs = {
        Project: [("planned_start", "planned_end"), ("actual_start", "actual_end")],
        Contact: [("valid_from", "valid_until")],
    }.get(type(candidate), [])
    for start_name, end_name in pairs:
        if start_name in errors.errors or end_name in errors.errors:
            continue
        start, end = getattr(candidate, start_name), getattr(candidate, end_name)
        if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
            errors.add(
                end_name,
                _("%(end)s cannot be before %(start)s."),
                "date_order",
                end=label(end_name),
                start=label(start_name),
            )


def _check_budget(candidate: Record, errors: FieldErrors) -> None:
    has_amount = isinstance(candidate, Project) and isinstance(candidate.budget_amount, Decimal)
    if has_amount and not candidate.budget_currency and "budget_currency" not in errors.errors:
        errors.add(
            "budget_currency",
            _("A budget amount needs its ISO 4217 currency (for example CNY, KZT, UZS)."),
            "currency_required",
        )


def _identifier_list(value, name: str, errors: FieldErrors) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.add(
            name, _("Give %(name)s as a list of identifiers."), "not_a_list", name=label(name)
        )
        return None
    if len(set(value)) != len(value):
        errors.add(name, _("Each of %(name)s may appear once."), "duplicate", name=label(name))
        return None
    return value


UNKNOWN_RECORD = {
    Project: _("No project with identifier %(identifier)s."),
    Zone: _("No zone with identifier %(identifier)s."),
}


def sees(actor: Actor, model: type[Record], identifier: str) -> bool:
    """Does the actor see the record of `model` with this identifier (one query)?"""
    try:
        access_record(actor, model, identifier)
    except NotVisible:
        return False
    return True


def _check_visible_identifiers(
    actor: Actor,
    model: type[Record],
    identifiers: list[str],
    name: str,
    errors: FieldErrors,
    visible=sees,
) -> None:
    for identifier in identifiers:
        if not visible(actor, model, identifier):
            errors.add(name, UNKNOWN_RECORD[model], "unknown_record", identifier=identifier)


def _check_related_projects(
    actor: Actor, candidate: Record, value, errors: FieldErrors, visible=sees
) -> list | None:
    shape_error = _(
        "Give related projects as a list of {identifier, kind (parent, child, sibling)}."
    )
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
        errors.add("related_projects", _("Each related project may appear once."), "duplicate")
        return None
    if candidate.identifier in identifiers:
        errors.add("related_projects", _("A project cannot be related to itself."), "self_relation")
        return None
    _check_visible_identifiers(actor, Project, identifiers, "related_projects", errors, visible)
    return sorted(value, key=lambda item: item["identifier"])


def _check_links(
    actor: Actor, candidate: Record, content: dict, errors: FieldErrors, visible=sees
) -> dict:
    """Validate the link fields of content; return them normalized (sorted)."""
    links = {}
    for name in LINK_FIELDS & set(content):
        if name == "related_projects":
            checked = _check_related_projects(actor, candidate, content[name], errors, visible)
        else:
            checked = _identifier_list(content[name], name, errors)
            if checked is not None:
                target = Zone if name == "zones" else Project
                _check_visible_identifiers(actor, target, checked, name, errors, visible)
                checked = sorted(checked)
        if checked is not None:
            links[name] = checked
    return links


def draft_may_lack(model: type[Record]) -> tuple[str, ...]:
    """What a draft may leave empty: everything but its title; publishing needs the rest of
    REQUIRED_TO_PUBLISH (`check_publishable`, at submit). A contact's countries follow those it
    covers, which publishing needs."""
    needed = {*REQUIRED_TO_PUBLISH[model], "countries"}
    return tuple(sorted(name for name in needed if name != model.title_field))


def _empty_for_draft(model: type[Record], changes: dict, candidate: Record) -> None:
    """A field a draft may lack, given as null, is stored as the column's empty value."""
    for name in draft_may_lack(model):
        if name in changes and changes[name] is None:
            field = model._meta.get_field(name)
            if not field.null:
                empty = field.get_default() if field.has_default() else ""
                setattr(candidate, name, empty)
                changes[name] = empty


def _without_publish_requirements(model: type[Record], error: ValidationError) -> ValidationError:
    """The model's 'this field cannot be blank' on a field a draft may lack is no error yet."""
    lacking = set(draft_may_lack(model))
    kept = {}
    for name, messages in error.error_dict.items():
        if name in lacking:
            messages = [m for m in messages if m.code not in ("blank", "null")]
        if messages:
            kept[name] = messages
    return ValidationError(kept) if kept else ValidationError({})


def validated(
    actor: Actor,
    candidate: Record,
    data: dict,
    base_links: dict,
    *,
    draft: bool = False,
    visible=sees,
    identifier_checked: bool = False,
) -> dict:
    """Apply `data` to the unsaved `candidate`, validate everything, return the full content.

    With `draft`, the content may lack what only publishing needs (`draft_may_lack`: the
    signed-in pages save a draft with its title only); without it, the model's required fields
    stay required, the API's documented contract (docs/openapi-v1.json). Raises
    ValidationError naming every field in error; nothing is written.

    The bulk import (projects.domain.bulk) runs the same checks with its lookups batched:
    `visible(actor, model, identifier)` answers from identifiers fetched once per batch, and
    `identifier_checked` says the new identifier's uniqueness was already checked (case-
    insensitively, across the three types, `identifiers`), so full_clean need not ask again.
    """
    model = type(candidate)
    errors = FieldErrors()
    changes = _check_keys(model, data, errors)
    if model is Contact and "countries" not in changes and candidate.pk is None:
        # A contact's countries default to those it covers.
        changes["countries"] = changes.get("countries_covered", [])
    _normalize_scalars(model, changes, errors)
    assign_fields(candidate, changes)
    if draft:
        _empty_for_draft(model, changes, candidate)
    try:
        if identifier_checked:
            # The unique (organization, identifier) check is the one query full_clean makes;
            # the check constraints (version >= 1, completeness <= 100) hold for any new draft.
            # Its organization and creator are the service's, not the data's: no lookup either.
            candidate.full_clean(
                exclude=["organization", "created_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        else:
            candidate.full_clean()
    except ValidationError as exc:
        errors.merge(_without_publish_requirements(model, exc) if draft else exc)
    _check_dates(candidate, errors)
    _check_budget(candidate, errors)
    links = {**base_links, **_check_links(actor, candidate, changes, errors, visible)}
    errors.raise_if_any()
    content = content_of(candidate)
    content.update(links)
    return content


def _located(content: dict) -> bool:
    return bool(content.get("locations") or content.get("zones"))


def _cross_border(content: dict) -> bool:
    return content.get("kind") == ZoneKind.CROSS_BORDER_TOURISM_ZONE


def _two_countries(content: dict) -> bool:
    return len(content.get("countries") or []) >= 2


def _reachable(content: dict) -> bool:
    return bool(content.get("phone") or content.get("email"))


def _always(content: dict) -> bool:
    return True


# The rules of SPEC 5's "complete enough" beyond the fields each type needs:
# (record type, field the error is on, code, message, applies to this content?, met?).
PUBLISH_RULES = (
    (
        Project,
        "locations",
        "location_or_zone_required",
        _("A project needs at least one location or a linked zone to be published."),
        _always,
        _located,
    ),
    (
        Zone,
        "countries",
        "cross_border_needs_two_countries",
        _("A cross-border tourism zone lies in two or more countries."),
        _cross_border,
        _two_countries,
    ),
    (
        Contact,
        "phone",
        "phone_or_email",
        _("A contact needs a phone number or an email."),
        _always,
        _reachable,
    ),
)


def publish_checklist(model: type[Record], content: dict) -> list[tuple[object, bool]]:
    """What publishing needs, each with whether `content` has it: the record page shows it to
    the owner as a checklist before submitting (the same rules `check_publishable` applies)."""
    items = [
        (FIELD_LABELS[name], content.get(name) not in (None, "", [], {}))
        for name in REQUIRED_TO_PUBLISH[model]
    ]
    for rule_model, _field, _code, message, applies, met in PUBLISH_RULES:
        if rule_model is model and applies(content):
            items.append((message, met(content)))
    return items


def publish_errors(model: type[Record], content: dict) -> ValidationError | None:
    """What `check_publishable` would refuse in `content`, to show on the form (None: it may
    be submitted as it is)."""
    try:
        check_publishable(model, content)
    except ValidationError as error:
        return error
    return None


def check_publishable(model: type[Record], content: dict) -> None:
    """Is the record complete enough to publish (SPEC 5)? Missing fields come back as errors."""
    errors = FieldErrors()
    for name in REQUIRED_TO_PUBLISH[model]:
        if content.get(name) in (None, "", [], {}):
            errors.add(
                name, _("%(name)s is needed to publish."), "required_to_publish", name=label(name)
            )
    for rule_model, field, code, message, applies, met in PUBLISH_RULES:
        if rule_model is model and applies(content) and not met(content):
            errors.add(field, message, code)
    errors.raise_if_any()
