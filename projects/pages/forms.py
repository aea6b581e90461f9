"""Forms of the signed-in pages: a record's create / edit form, derived from `content.FIELDS`.

A form only turns what was typed into the API's data shape (SPEC 4 names, JSON values); the
services validate it (`projects.domain.checks`) and their field errors come back onto the form by
SPEC
name (`RecordForm.add_service_errors`). Each SPEC field is one `Group` on the page: a
multilingual text is one input per language, a list of locations one textarea line per place.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries

from projects.choices import ParticipantRole, PolicyTopic, RelationKind
from projects.domain.content import FIELD_LABELS, FIELDS, LINK_FIELDS, REQUIRED_TO_PUBLISH
from projects.models import Contact, Record

# The languages offered on the form, one input each (other languages already in a record are
# kept as they are).
FORM_LANGUAGES = (("en", _("English")), ("zh", _("Chinese")), ("ru", _("Russian")))

# The form's label of each field: the fields' names (projects.domain.content.FIELD_LABELS),
# and the form's own fields.
LABELS = {**FIELD_LABELS, "ref": _("Reference"), "comment": _("Comment")}

HELP = {
    "tags": _("Separate labels with commas."),
    "border_crossings": _("Separate names with commas."),
    "languages": _("ISO 639-1 codes separated by commas, for example: en, zh, ru."),
    "locations": _(
        "One place per line: name; latitude; longitude (for example: Xi'an; 34.34; 108.94)."
    ),
    "zones": _("Identifiers of cooperation zones, separated by commas."),
    "projects": _("Identifiers of projects, separated by commas."),
    "related_projects": _("One per line: identifier; parent, child or sibling."),
    "documents": _(
        "One per line: title | https://… | language | category (the last two optional)."
    ),
    "geometry": _(
        'A GeoJSON Polygon or MultiPolygon, longitude first, for example {"type": "Polygon", '
        '"coordinates": [[[80.3, 44.1], [80.5, 44.1], [80.5, 44.3], [80.3, 44.1]]]}.'
    ),
    "phone": _("International format, for example +77272000000."),
    "budget_currency": _("ISO 4217 code, for example CNY, KZT, UZS."),
    "hours": _("24/7 or the opening times."),
    "ref": _("Optional: the part after your organization's prefix. Left empty, one is generated."),
    "countries": _("Hold Ctrl (⌘ on a Mac) to choose several."),
    "countries_covered": _("Hold Ctrl (⌘ on a Mac) to choose several."),
}


def country_choices() -> list:
    """Called for each form, so that the names come in the reader's language."""
    return list(iso_countries)


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _number(text: str, what: str):
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a number (%(what)s).") % {"value": text, "what": what}
        ) from None


# --- Kinds of field: how each SPEC field is typed on the form and read back ----------------------


class Kind:
    """One SPEC field on the form: its inputs, their initial values, the value they give."""

    widget_class = ""

    def __init__(self, name: str, model_field):
        self.name = name
        self.model_field = model_field

    def inputs(self) -> dict[str, forms.Field]:
        return {self.name: self.field()}

    def field(self) -> forms.Field:
        return forms.CharField(required=False, strip=True)

    def initial(self, value) -> dict:
        return {self.name: self.show(value)}

    def show(self, value):
        return "" if value is None else value

    def value(self, cleaned: dict):
        return self.read(cleaned.get(self.name))

    def read(self, typed):
        return typed


class Text(Kind):
    def field(self):
        return forms.CharField(required=False, strip=True, max_length=self.model_field.max_length)


class Url(Kind):
    def field(self):
        return forms.CharField(required=False, strip=True, widget=forms.URLInput())


class Email(Kind):
    def field(self):
        return forms.CharField(required=False, strip=True, widget=forms.EmailInput())


class Choice(Kind):
    def field(self):
        # The model field's choices are the vocabulary's, with its words (projects.choices).
        return forms.ChoiceField(required=False, choices=[("", "—"), *self.model_field.choices])


class Date(Kind):
    def field(self):
        return forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def read(self, typed):
        return typed.isoformat() if typed else None


class Amount(Kind):
    def field(self):
        return forms.DecimalField(
            required=False,
            min_value=0,
            max_digits=16,
            decimal_places=2,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        )

    def read(self, typed):
        return format(typed, "f") if isinstance(typed, Decimal) else None


class Countries(Kind):
    def field(self):
        return forms.MultipleChoiceField(
            required=False,
            choices=country_choices,
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )

    def show(self, value):
        return list(value or [])

    def read(self, typed):
        return list(typed or [])


class CommaList(Kind):
    def show(self, value):
        return ", ".join(value or [])

    def read(self, typed):
        return _comma_list(typed)


class Multilingual(Kind):
    """One input per language; languages the form does not offer are kept as they were."""

    widget_class = "multilingual"

    def __init__(self, name, model_field, *, long: bool):
        super().__init__(name, model_field)
        self.long = long
        self.kept: dict = {}

    def key(self, code: str) -> str:
        return f"{self.name}_{code}"

    def inputs(self):
        widget = forms.Textarea(attrs={"rows": 3}) if self.long else forms.TextInput()
        return {
            self.key(code): forms.CharField(required=False, strip=True, label=label, widget=widget)
            for code, label in FORM_LANGUAGES
        }

    def initial(self, value):
        value = value if isinstance(value, dict) else {}
        offered = {code for code, _label in FORM_LANGUAGES}
        self.kept = {code: text for code, text in value.items() if code not in offered}
        return {self.key(code): value.get(code, "") for code, _label in FORM_LANGUAGES}

    def value(self, cleaned):
        typed = {code: cleaned.get(self.key(code)) for code, _label in FORM_LANGUAGES}
        return {**self.kept, **{code: text for code, text in typed.items() if text}}


class Lines(Kind):
    """A textarea, one item per line, parts separated by `separator`."""

    separator = ";"

    def field(self):
        return forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def show(self, value):
        return "\n".join(self.line(item) for item in value or [])

    def read(self, typed):
        return [
            self.item([p.strip() for p in line.split(self.separator)]) for line in _lines(typed)
        ]


class Locations(Lines):
    def line(self, item):
        return f"{item.get('name', '')}; {item.get('lat', '')}; {item.get('lon', '')}"

    def item(self, parts):
        if len(parts) != 3:
            raise ValidationError(_("Write each location as: name; latitude; longitude."))
        name, lat, lon = parts
        return {
            "name": name,
            "lat": _number(lat, _("latitude")),
            "lon": _number(lon, _("longitude")),
        }


class Relations(Lines):
    def line(self, item):
        return f"{item.get('identifier', '')}; {item.get('kind', '')}"

    def item(self, parts):
        if len(parts) != 2 or parts[1] not in RelationKind.values:
            raise ValidationError(
                _("Write each related project as: identifier; parent, child or sibling.")
            )
        return {"identifier": parts[0], "kind": parts[1]}


class Documents(Lines):
    separator = "|"

    def line(self, item):
        parts = [item.get(key, "") for key in ("title", "url", "language", "category")]
        while parts and not parts[-1]:
            parts.pop()
        return " | ".join(parts)

    def item(self, parts):
        if not 2 <= len(parts) <= 4:
            raise ValidationError(_("Write each document as: title | url | language | category."))
        keys = ("title", "url", "language", "category")
        return {key: part for key, part in zip(keys, parts, strict=False) if part}


class Geometry(Kind):
    widget_class = "geometry"

    def field(self):
        return forms.CharField(
            required=False,
            widget=forms.Textarea(
                attrs={"rows": 6, "class": "geojson-input", "spellcheck": "false"}
            ),
        )

    def show(self, value):
        return json.dumps(value, ensure_ascii=False) if value else ""

    def read(self, typed):
        if not typed:
            return None
        try:
            return json.loads(typed)
        except ValueError:
            raise ValidationError(_("This is not valid JSON; paste a GeoJSON geometry.")) from None


class Policies(Kind):
    def key(self, item: str) -> str:
        return f"{self.name}_{item}"

    def inputs(self):
        return {
            self.key(item): forms.CharField(
                required=False, label=label, widget=forms.Textarea(attrs={"rows": 2})
            )
            for item, label in PolicyTopic.choices
        }

    def initial(self, value):
        value = value if isinstance(value, dict) else {}
        return {self.key(item): value.get(item, "") for item in PolicyTopic.values}

    def value(self, cleaned):
        return {
            item: cleaned[self.key(item)]
            for item in PolicyTopic.values
            if cleaned.get(self.key(item))
        }


LONG_TEXTS = frozenset({"summary", "description", "expected_outcomes"})
JSON_KINDS = {
    "tags": CommaList,
    "border_crossings": CommaList,
    "languages": CommaList,
    "countries": Countries,
    "countries_covered": Countries,
    "locations": Locations,
    "documents": Documents,
    "geometry": Geometry,
    "policies": Policies,
    "zones": CommaList,
    "projects": CommaList,
    "related_projects": Relations,
}


def kind_of(model: type[Record], name: str) -> Kind:
    """How the SPEC field `name` of `model` is typed on the form."""
    if name in JSON_KINDS:
        return JSON_KINDS[name](name, None if name in LINK_FIELDS else model._meta.get_field(name))
    field = model._meta.get_field(name)
    if isinstance(field, models.JSONField):
        return Multilingual(name, field, long=name in LONG_TEXTS)
    if field.choices:
        return Choice(name, field)
    if isinstance(field, models.DateField):
        return Date(name, field)
    if isinstance(field, models.DecimalField):
        return Amount(name, field)
    if isinstance(field, models.URLField):
        return Url(name, field)
    if isinstance(field, models.EmailField):
        return Email(name, field)
    return Text(name, field)


# --- The record form ---------------------------------------------------------------------------


class Group:
    """One SPEC field as the template shows it: label, help, its inputs, its errors."""

    def __init__(self, form: RecordForm, kind: Kind):
        self.form, self.kind, self.name = form, kind, kind.name
        self.label = LABELS.get(self.name, self.name)
        self.help = HELP.get(self.name, "")
        self.needed_to_publish = self.name in REQUIRED_TO_PUBLISH[form.model]
        self.input_names = list(kind.inputs())

    @property
    def inputs(self):
        return [self.form[name] for name in self.input_names]

    @property
    def is_fieldset(self) -> bool:
        return len(self.input_names) > 1

    @property
    def errors(self) -> list[str]:
        found = list(self.form.group_errors.get(self.name, []))
        for name in self.input_names:
            found += self.form.errors.get(name, [])
        return found

    @property
    def chosen(self) -> list[str]:
        """The countries chosen, by name (a long multiple select hides what is selected)."""
        if not isinstance(self.kind, Countries):
            return []
        codes = self.form[self.name].value() or []
        return [str(iso_countries.name(code) or code) for code in codes]

    @property
    def error_id(self) -> str:
        return f"error-{self.name}"

    @property
    def first_input_id(self) -> str:
        return self.inputs[0].id_for_label


class RecordForm(forms.Form):
    """The create / edit form of one record type. `data_for_service()` gives the API's shape."""

    def __init__(
        self, model: type[Record], *args, content: dict | None = None, creating=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.model = model
        self.creating = creating
        self.group_errors: dict[str, list[str]] = {}
        self.kinds = [kind_of(model, name) for name in FIELDS[model]]
        if creating:
            self.fields["ref"] = forms.CharField(required=False, strip=True, max_length=80)
        else:
            self.fields["version"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        for kind in self.kinds:
            for input_name, field in kind.inputs().items():
                field.label = field.label or LABELS.get(kind.name, kind.name)
                self.fields[input_name] = field
            self.initial.update(kind.initial((content or {}).get(kind.name)))
        self.groups = [Group(self, kind) for kind in self.kinds]
        self._describe_inputs()

    def _describe_inputs(self):
        """Link each input to its help text and errors (aria-describedby), mark bad ones invalid."""
        for group in self.groups:
            described = [f"help-{group.name}"] if group.help else []
            if self.is_bound and group.errors:
                described.append(group.error_id)
                for name in group.input_names:
                    self.fields[name].widget.attrs["aria-invalid"] = "true"
            if described:
                for name in group.input_names:
                    self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            self._describe_inputs()

    def data_for_service(self) -> dict:
        """The typed values as record content (SPEC 4 names); shape errors go on the field."""
        data = {}
        for kind in self.kinds:
            try:
                data[kind.name] = kind.value(self.cleaned_data)
            except ValidationError as error:
                self.add_group_error(kind.name, error.messages)
        if self.creating and self.model is Contact and not data.get("countries"):
            del data["countries"]  # the service takes the countries covered
        return data

    def readable_part(self, data: dict) -> dict:
        """The fields of `data` the form could read (no error of its own): for the services to
        report their errors on the rest at the same time."""
        unreadable = {group.name for group in self.groups if group.errors}
        return {name: value for name, value in data.items() if name not in unreadable}

    def add_group_error(self, name: str, messages) -> None:
        self.group_errors.setdefault(name, []).extend(messages)
        self._describe_inputs()

    def add_service_errors(self, error: ValidationError | None) -> None:
        """Field errors from the services, by SPEC name, next to the field they are about."""
        if error is None:
            return
        by_field = (
            error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        )
        known = {kind.name for kind in self.kinds}
        for name, messages in by_field.items():
            if name in known and name in self.group_errors:
                continue  # the form's own reading error says it already
            if name in known:
                self.add_group_error(name, messages)
            elif name in ("ref", "identifier") and "ref" in self.fields:
                self.add_error("ref", messages)
            else:
                self.add_error(None, messages)

    @property
    def has_any_error(self) -> bool:
        return bool(self.errors or self.group_errors)

    @property
    def error_summary(self) -> list[tuple[str, str, str]]:
        """(label, message, anchor) of every error, for the summary at the top of the form."""
        summary = [("", message, "") for message in self.non_field_errors()]
        if "ref" in self.fields:
            summary += [
                (LABELS["ref"], message, self["ref"].id_for_label)
                for message in self.errors.get("ref", [])
            ]
        for group in self.groups:
            summary += [(group.label, message, group.first_input_id) for message in group.errors]
        return summary


class ParticipantForm(forms.Form):
    """One participant row: an organization (by slug) and its role."""

    organization = forms.ChoiceField(label=_("Organization"), required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", "—"), *ParticipantRole.choices],
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "—"), *organizations]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("organization")) != bool(cleaned.get("role")):
            raise ValidationError(_("Choose both the organization and its role, or neither."))
        return cleaned

    @property
    def chosen(self) -> tuple[str, str] | None:
        if self.is_valid() and self.cleaned_data.get("organization"):
            return self.cleaned_data["organization"], self.cleaned_data["role"]
        return None


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=2, max_num=10)


class ActionForm(forms.Form):
    """A workflow action's comment."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
