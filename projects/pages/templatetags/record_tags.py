"""Template tags of the signed-in pages: `{% load record_tags %}`.

`{% record_actions record as actions %}` asks the domain what the user may do with a record now
(the buttons `_record_actions.html` shows); `{% show_value %}` shows a field's value in the
diff. The vocabulary's words are shown by the filters of `registry_pages`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django_countries import countries as iso_countries

from projects import choices
from projects.choices import UNDER_REVIEW_STATES
from projects.domain import permissions, workflow
from projects.domain.revisions import pending_revisions
from projects.pages.forms import FORM_LANGUAGES
from projects.pages.record_types import edit_url
from registry.multilingual import pick
from registry.tenancy import actor_for_request, allowed

register = template.Library()


@dataclass(frozen=True)
class Button:
    """One action of the decision form (a radio, or the button when it is the only one)."""

    name: str
    label: str
    url: str  # its own route, still served (a promise): the decision form posts to one route
    comment_required: bool
    final: bool = False


def _buttons(record, options: list[permissions.Permission]) -> list[Button]:
    return [
        Button(
            option.name,
            option.label,
            reverse("record-action", args=[record.record_type, record.identifier, option.name]),
            option.needs_comment,
            option.final,
        )
        for option in options
        if option.allowed
    ]


@register.simple_tag(takes_context=True)
def record_actions(context, record) -> dict:
    """What the signed-in user may do with `record` now, as the domain answers it
    (projects.domain.permissions): workflow buttons, edit, discard, delete, history, review.
    `options` holds every workflow action, with the reason of those refused."""
    request = context.get("request")
    if request is None or record is None:
        return {}
    actor = actor_for_request(request)
    if not actor.is_authenticated:
        return {}
    revision = pending_revisions(actor, type(record), [record]).get(record.pk)
    options = workflow.action_options(actor, record, revision)
    args = [record.record_type, record.identifier]
    under_review = record.workflow_state in UNDER_REVIEW_STATES or (
        revision is not None and revision.state in UNDER_REVIEW_STATES
    )
    history = allowed(actor, "view_history", record)
    buttons = _buttons(record, options)
    return {
        "buttons": buttons,
        "options": options,
        # The actions theirs to take but for who they are in this round, with the reason.
        "refused": [option for option in options if option.personal],
        "decision_url": reverse("record-decision", args=args),
        "comment_for": [button.label for button in buttons if button.comment_required],
        # The reviewer's or the admin's comment that sent it back, where the editor looks.
        "latest_comment": workflow.latest_comment(actor, record, revision),
        "revision": revision,
        "edit_url": edit_url(record.record_type, record.identifier)
        if permissions.may_edit(actor, record, revision).allowed
        else "",
        "discard_url": reverse("record-discard-revision", args=args)
        if permissions.may_discard_revision(actor, record, revision).allowed
        else "",
        "delete_url": reverse("record-delete", args=args)
        if permissions.may_delete(actor, record).allowed
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


def _key_name(key: str) -> str:
    """A key of a JSON object field: a language of a text, or a topic of a zone's policies."""
    if key in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[key])
    return choices.label(choices.PolicyTopic, key)


@register.simple_tag
def show_value(record, field: str, value) -> str:
    """A value of one of `record`'s fields (JSON, as in the diff) as readable text:
    `{% show_value record "kind" value as text %}{{ text|linebreaksbr }}`."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict) and value.get("type") in ("Polygon", "MultiPolygon"):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "\n".join(f"{_key_name(key)}: {text}" for key, text in value.items())
    if isinstance(value, list):
        if field in COUNTRY_FIELDS:
            return "\n".join(f"{iso_countries.name(code) or code} ({code})" for code in value)
        return "\n".join(_item(item) for item in value)
    return choices.field_value_label(type(record), field, value)


@register.filter
def record_title(record) -> str:
    return pick(getattr(record, record.title_field, None)) or record.identifier


@register.simple_tag
def optional_static(path: str) -> str:
    """The static URL of `path` if the file is there (vendored by another part), else ""."""
    return static(path) if finders.find(path) else ""
