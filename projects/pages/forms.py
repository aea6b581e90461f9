"""Forms of the signed-in pages: a record's create / edit form, derived from `content.FIELDS`.

A form only turns what was typed into the API's data shape (SPEC 4 names, JSON values); the
services validate it (`projects.domain.content_checks`) and their field errors come back onto
the form by SPEC name (`RecordForm.add_service_errors`). Each SPEC field is one `Group` on the
page: a multilingual text is one input per language, a list of locations one textarea line per
place.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries

from projects.choices import DocumentCategory, ParticipantRole, PolicyTopic, RelationKind
from projects.domain.content import FIELD_LABELS, FIELDS, LINK_FIELDS, REQUIRED_TO_PUBLISH
from projects.domain.numbers import parse_amount
from projects.models import Contact, Record
from registry.multilingual import reader_language

# The languages offered on the form, one input each (other languages already in a record are
# kept as they are).
FORM_LANGUAGES = (("en", _("English")), ("zh", _("Chinese")), ("ru", _("Russian")))

# The form's label of each field: the fields' names (projects.domain.content.FIELD_LABELS),
# and the form's own fields.
LABELS = {**FIELD_LABELS, "ref": _("Reference"), "comment": _("Comment")}

HELP = {
    "tags": _("Separate labels with semicolons (;)."),
    "border_crossings": _("Separate names with semicolons (;)."),
    "languages": _("ISO 639-1 codes separated by semicolons, for example: en; zh; ru."),
    "locations": _(
        "Click the map to add a place and drag its marker to move it; give each place a name. "
        "Without the map, type the latitude and longitude (for example Xi'an: 34.34, 108.94)."
    ),
    "zones": _(
        "Type part of a zone's name in any language and choose it. Without scripts: "
        "identifiers separated by semicolons (;)."
    ),
    "projects": _(
        "Type part of a project's title in any language and choose it. Without scripts: "
        "identifiers separated by semicolons (;)."
    ),
    "related_projects": _("Type part of the project's title in any language and choose it."),
    "documents": _("A title and the web address of each document; language and type optional."),
    "geometry": _(
        "Draw the area on the map below (zoom in first), or type it as GeoJSON: a Polygon or "
        'MultiPolygon, longitude first, for example {"type": "Polygon", '
        '"coordinates": [[[80.3, 44.1], [80.5, 44.1], [80.5, 44.3], [80.3, 44.1]]]}.'
    ),
    "phone": _("International format, for example +77272000000."),
    "budget_currency": _("ISO 4217 code, for example CNY, KZT, UZS."),
    "hours": _("24/7 or the opening times."),
    "ref": _("Optional: the part after your organization's prefix. Left empty, one is generated."),
    "countries": _("Tick each country; type a name to find it."),
    "countries_covered": _("Tick each country; type a name to find it."),
}

# The countries of the region (REAL-WORLD.md), offered first.
REGION = ("CN", "KZ", "UZ", "KG", "TJ", "TM")

# The one separator of the lists typed as text, the same as the import's.
SEPARATOR = ";"


def country_choices() -> list:
    """Called for each form, so that the names come in the reader's language."""
    return list(iso_countries)


def _list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(SEPARATOR) if part.strip()]


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
        # The model field's choices are the vocabulary's, with its words (projects.choices);
        # a field with a default (a status) always has a value, so it offers no empty choice.
        empty = [] if self.model_field.has_default() else [("", "—")]
        return forms.ChoiceField(required=False, choices=[*empty, *self.model_field.choices])

    def initial(self, value):
        if value in (None, "") and self.model_field.has_default():
            value = self.model_field.get_default()
        return {self.name: self.show(value)}

    def read(self, typed):
        if typed in (None, "") and self.model_field.has_default():
            return self.model_field.get_default()
        return typed


class Date(Kind):
    def field(self):
        return forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def read(self, typed):
        return typed.isoformat() if typed else None


class Amount(Kind):
    """An amount as people type it in their language ("1 200 000,50"): projects.domain.numbers."""

    def field(self):
        return forms.CharField(
            required=False, strip=True, widget=forms.TextInput(attrs={"inputmode": "decimal"})
        )

    def read(self, typed):
        amount = parse_amount(typed, reader_language())
        return None if amount is None else format(amount, "f")


class Countries(Kind):
    """Checkboxes, the six countries of the region first, then the others (folded), with a
    search box added by scripts (static/js/record-pickers.js)."""

    widget_class = "countries"

    def field(self):
        return forms.MultipleChoiceField(
            required=False, choices=country_choices, widget=forms.CheckboxSelectMultiple
        )

    def show(self, value):
        return list(value or [])

    def read(self, typed):
        return list(typed or [])


class TextList(Kind):
    """Names or codes in one input, separated by SEPARATOR."""

    def show(self, value):
        return f"{SEPARATOR} ".join(value or [])

    def read(self, typed):
        return _list(typed)


class Picked(TextList):
    """Linked records chosen by type-ahead search on their names (`lookup` says which kind);
    without scripts, their identifiers typed in the one input."""

    widget_class = "typeahead-many"

    def __init__(self, name, model_field, *, lookup: str):
        super().__init__(name, model_field)
        self.lookup = lookup

    def field(self):
        return forms.CharField(
            required=False,
            strip=True,
            widget=forms.TextInput(
                attrs={"data-typeahead": self.lookup, "data-many": "true", "autocomplete": "off"}
            ),
        )


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


class Rows(Kind):
    """As many rows as needed, each a few inputs `<name>-<n>-<part>`: scripts add and remove
    rows; without them the "add another" button posts the form back with one more row.
    A row left empty is no item."""

    widget_class = "rows"
    parts: tuple[str, ...] = ()

    def __init__(self, name, model_field):
        super().__init__(name, model_field)
        self.count = 1

    def prepare(self, data, value) -> None:
        """How many rows to show: those posted (plus one when asked), or the value's plus one
        empty row ready to fill."""
        if data is not None:
            pattern = re.compile(rf"^{re.escape(self.name)}-(\d+)-")
            found = [int(m.group(1)) for key in data if (m := pattern.match(key))]
            self.count = min(max(found, default=-1) + 1, MAX_ROWS)
            if data.get("add_row") == self.name:
                self.count = min(self.count + 1, MAX_ROWS)
            self.count = max(self.count, 1)
        else:
            self.count = min(len(value or []) + 1, MAX_ROWS)

    def key(self, index: int, part: str) -> str:
        return f"{self.name}-{index}-{part}"

    def part_field(self, part: str) -> forms.Field:
        return forms.CharField(required=False, strip=True, label=self.part_labels()[part])

    def inputs(self):
        return {
            self.key(index, part): self.part_field(part)
            for index in range(self.count)
            for part in self.parts
        }

    def initial(self, value):
        found = {}
        for index, item in enumerate(value or []):
            for part in self.parts:
                found[self.key(index, part)] = self.show_part(item, part)
        return found

    def show_part(self, item: dict, part: str):
        shown = item.get(part, "")
        return "" if shown is None else shown

    def value(self, cleaned):
        items = []
        for index in range(self.count):
            row = {part: cleaned.get(self.key(index, part)) or "" for part in self.parts}
            if any(row.values()):
                items.append(self.item(row))
        return items

    def rows(self, form) -> list[list]:
        """The bound inputs, row by row, for the template."""
        return [[form[self.key(i, part)] for part in self.parts] for i in range(self.count)]


MAX_ROWS = 200


class Locations(Rows):
    parts = ("name", "lat", "lon")
    widget_class = "rows locations"

    def part_labels(self):
        return {"name": _("Place name"), "lat": _("Latitude"), "lon": _("Longitude")}

    def part_field(self, part):
        field = super().part_field(part)
        if part != "name":
            field.widget.attrs.update({"inputmode": "decimal", "class": "coordinate"})
        return field

    def item(self, row):
        if not (row["name"] and row["lat"] and row["lon"]):
            raise ValidationError(_("Give each place a name, a latitude and a longitude."))
        return {
            "name": row["name"],
            "lat": _number(row["lat"], _("latitude")),
            "lon": _number(row["lon"], _("longitude")),
        }


class Relations(Rows):
    parts = ("identifier", "kind")

    def part_labels(self):
        return {"identifier": _("Project"), "kind": _("Relation")}

    def part_field(self, part):
        if part == "kind":
            return forms.ChoiceField(
                required=False, label=_("Relation"), choices=[("", "—"), *RelationKind.choices]
            )
        field = super().part_field(part)
        field.widget.attrs.update({"data-typeahead": "projects", "autocomplete": "off"})
        return field

    def item(self, row):
        if not (row["identifier"] and row["kind"]):
            raise ValidationError(_("Choose each related project and how it is related."))
        return {"identifier": row["identifier"], "kind": row["kind"]}


def document_languages() -> list:
    """The languages of SPEC 4, named in the reader's language (Django's own names)."""
    return [("", "—")] + [
        (code, get_language_info(code)["name_translated"]) for code in DOCUMENT_LANGUAGES
    ]


DOCUMENT_LANGUAGES = ("en", "zh-hans", "ru", "kk", "uz", "ky", "tg", "tk")


class Documents(Rows):
    parts = ("title", "url", "language", "category")

    def part_labels(self):
        return {
            "title": _("Document title"),
            "url": _("Web address"),
            "language": _("Language"),
            "category": _("Type"),
        }

    def part_field(self, part):
        if part == "language":
            return forms.ChoiceField(
                required=False, label=_("Language"), choices=document_languages
            )
        if part == "category":
            return forms.ChoiceField(
                required=False, label=_("Type"), choices=[("", "—"), *DocumentCategory.choices]
            )
        field = super().part_field(part)
        if part == "url":
            field.widget = forms.URLInput()
        return field

    def show_part(self, item, part):
        shown = super().show_part(item, part)
        return "zh-hans" if part == "language" and shown == "zh" else shown

    def item(self, row):
        if not (row["title"] and row["url"]):
            raise ValidationError(_("Give each document a title and its web address."))
        language = row["language"].split("-")[0]
        document = {"title": row["title"], "url": row["url"]}
        if language:
            document["language"] = language
        if row["category"]:
            document["category"] = row["category"]
        return document


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
    "tags": TextList,
    "border_crossings": TextList,
    "languages": TextList,
    "countries": Countries,
    "countries_covered": Countries,
    "locations": Locations,
    "documents": Documents,
    "geometry": Geometry,
    "policies": Policies,
    "zones": lambda name, field: Picked(name, field, lookup="zones"),
    "projects": lambda name, field: Picked(name, field, lookup="projects"),
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
    def rows(self) -> list[list]:
        return self.kind.rows(self.form) if isinstance(self.kind, Rows) else []

    @property
    def country_groups(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """(heading, [(code, name, chosen)]): the region's six first, then the others."""
        if not isinstance(self.kind, Countries):
            return []
        chosen = set(self.form[self.name].value() or [])
        names = dict(country_choices())
        region = [(code, names[code], code in chosen) for code in REGION]
        others = [
            (code, name, code in chosen) for code, name in names.items() if code not in REGION
        ]
        return [(_("China and Central Asia"), region), (_("Other countries"), others)]

    @property
    def others_chosen(self) -> bool:
        return any(chosen for _code, _name, chosen in self.country_groups[1][1])

    @property
    def error_id(self) -> str:
        return f"error-{self.name}"

    @property
    def first_input_id(self) -> str:
        if isinstance(self.kind, Countries):
            return f"id_{self.name}_{REGION[0]}"
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
        # "Add another" posts the form back for one more row: shown again, not checked.
        self.adding_row = bool(self.is_bound and self.data.get("add_row"))
        for kind in self.kinds:
            if isinstance(kind, Rows):
                kind.prepare(self.data if self.is_bound else None, (content or {}).get(kind.name))
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
            if (self.is_bound or self.group_errors) and group.errors:
                described.append(group.error_id)
                for name in group.input_names:
                    self.fields[name].widget.attrs["aria-invalid"] = "true"
            if described:
                for name in group.input_names:
                    self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self):
        if self.adding_row:
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {}
            return
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

    def show_errors(self, error: ValidationError | None) -> None:
        """Errors found without a post (what publishing still needs), shown on the fields and in
        the summary as the form's own are."""
        if not self.is_bound:
            self._errors, self.cleaned_data = forms.utils.ErrorDict(), {}
        self.add_service_errors(error)

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
    """One participant row: an organization (found by type-ahead on its names; its short name
    without scripts) and its role. The boundary decides whether the organization exists."""

    organization = forms.CharField(
        label=_("Organization"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"data-typeahead": "organizations", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", "—"), *ParticipantRole.choices],
    )

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


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=1, max_num=50)


class ActionForm(forms.Form):
    """A workflow action's comment."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
