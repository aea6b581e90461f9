"""Template tags of the signed-in pages: `{% load record_tags %}`.

`{% record_actions record as actions %}` asks the workflow and the boundary what the user may do
with a record now (the buttons `_record_actions.html` shows); the filters show record values,
states and audit events in the reader's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django_countries import countries as iso_countries

from projects.choices import WorkflowState
from projects.domain import workflow
from projects.domain.revisions import EDITABLE_REVISION_STATES, pending_revisions
from projects.pages.form_words import (
    ACTION_LABELS,
    CHOICE_LABELS,
    EVENT_LABELS,
    RECORD_NOUNS,
    STATE_LABELS,
    choice_label,
    editable,
)
from projects.pages.forms import FORM_LANGUAGES, LABELS, POLICY_LABELS
from registry.multilingual import pick
from registry.tenancy import actor_for_request, allowed

register = template.Library()

UNDER_REVIEW = (WorkflowState.PENDING_SIGNOFF, WorkflowState.SUBMITTED)


@dataclass(frozen=True)
class Button:
    name: str
    label: str
    url: str
    comment_required: bool


def _buttons(actor, record) -> list[Button]:
    return [
        Button(
            name,
            ACTION_LABELS.get(name, name),
            reverse("record-action", args=[record.record_type, record.identifier, name]),
            workflow.TRANSITIONS[name].comment_required,
        )
        for name in workflow.available_actions(actor, record)
    ]


@register.simple_tag(takes_context=True)
def record_actions(context, record) -> dict:
    """What the signed-in user may do with `record` now: workflow buttons, edit, discard, ..."""
    request = context.get("request")
    if request is None or record is None:
        return {}
    actor = actor_for_request(request)
    if not actor.is_authenticated:
        return {}
    revision = pending_revisions(actor, type(record), [record]).get(record.pk)
    may_change = allowed(actor, "change", record)
    key = RECORD_NOUNS[record.record_type].key
    args = [record.record_type, record.identifier]
    under_review = record.workflow_state in UNDER_REVIEW or (
        revision is not None and revision.state in UNDER_REVIEW
    )
    history = allowed(actor, "view_history", record)
    return {
        "buttons": _buttons(actor, record),
        "revision": revision,
        "edit_url": reverse(f"{key}-edit", args=[record.identifier])
        if may_change and editable(record, revision)
        else "",
        "discard_url": reverse("record-discard-revision", args=args)
        if may_change and revision is not None and revision.state in EDITABLE_REVISION_STATES
        else "",
        "delete_url": reverse("record-delete", args=args)
        if record.workflow_state == WorkflowState.DRAFT and allowed(actor, "delete", record)
        else "",
        "history_url": reverse("record-history", args=args) if history else "",
        "review_url": reverse("record-review", args=args)
        if history and (under_review or revision is not None)
        else "",
    }


LANGUAGE_NAMES = dict(FORM_LANGUAGES)
COUNTRY_FIELDS = frozenset({"countries", "countries_covered"})


def _item(item) -> str:
    """One entry of a list field (a location, a document, a related project) as text."""
    if not isinstance(item, dict):
        return str(item)
    if "lat" in item:
        return f"{item.get('name', '')} ({item.get('lat')}, {item.get('lon')})"
    if "url" in item:
        extra = ", ".join(item[key] for key in ("language", "category") if item.get(key))
        return f"{item.get('title', '')} — {item['url']}" + (f" ({extra})" if extra else "")
    if "identifier" in item:
        return f"{item['identifier']} ({item.get('kind', '')})"
    return "; ".join(f"{key}: {value}" for key, value in item.items())


@register.filter
def show_value(value, field: str = "") -> str:
    """A record value (JSON) as readable text for the diff and the review page."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict) and value.get("type") in ("Polygon", "MultiPolygon"):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        names = {**LANGUAGE_NAMES, **POLICY_LABELS}
        return "\n".join(f"{names.get(key, key)}: {text}" for key, text in value.items())
    if isinstance(value, list):
        if field in COUNTRY_FIELDS:
            return "\n".join(f"{iso_countries.name(code) or code} ({code})" for code in value)
        return "\n".join(_item(item) for item in value)
    if field in CHOICE_LABELS:
        return str(choice_label(field, value))
    return str(value)


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state.replace("_", " ") if state else "")


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action.replace("_", " "))


@register.filter
def field_label(name: str) -> str:
    return LABELS.get(name, name)


@register.filter
def record_title(record) -> str:
    return pick(getattr(record, record.title_field, None)) or record.identifier


@register.simple_tag
def optional_static(path: str) -> str:
    """The static URL of `path` if the file is there (vendored by another part), else ""."""
    return static(path) if finders.find(path) else ""


@register.filter(name="choice_label")
def choice_label_filter(value: str, field: str) -> str:
    """`{{ participation.role|choice_label:"role" }}`: a choice in the reader's language."""
    return choice_label(field, value)
