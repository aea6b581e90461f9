"""Template tags of the pages: the vocabulary's words, country names, facet links, navigation.

`{% load registry_pages %}`. Nothing here reads the database: the views hand over records that
were read through the boundary, and these tags only turn values into words and links. The words
are the vocabulary's (projects/choices.py, accounts/models.py, registry.tenancy's roles, the field
labels beside projects.domain.content.FIELDS); these filters are the only ones that show them:

* `{{ record|value_label:"category" }}`: a record's choice field, by its record type;
* `{{ value|label:"role" }}`: a value of a vocabulary named below;
* `{{ state|state_label }}`: a workflow state (a record's or a revision's);
* `{{ "budget_amount"|field_label }}`: a field's name;
* `{{ entry.action|event_label }}`: what an audit entry records.
"""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.utils.translation import get_language_info

from accounts.models import OrganizationKind, Sector, SisterCityStatus
from projects import choices
from projects.domain.content import field_label as content_field_label
from projects.domain.freshness import freshness
from projects.reads import catalogue
from registry.tenancy import MembershipRole

register = template.Library()

# Vocabularies a template names by a short word: {{ value|label:"role" }}.
NAMED_VOCABULARIES = {
    "freshness": choices.Freshness,
    "role": choices.ParticipantRole,
    "participation": choices.ParticipationStatus,
    "relation": choices.RelationKind,
    "policy_topic": choices.PolicyTopic,
    "document_category": choices.DocumentCategory,
    "action": choices.WorkflowAction,
    "record_type": choices.RecordType,
    "organization_kind": OrganizationKind,
    "sector": Sector,
    "link_status": SisterCityStatus,
    "membership_role": MembershipRole,
}
LANGUAGE_ALIASES = {"zh": "zh-hans"}
# The query parameters that are positions in a list, not choices: a new filter starts afresh.
PAGING_PARAMETERS = ("cursor",)
# Which header section a page belongs to, from its URL name's first word.
SECTIONS = {
    "home": "home",
    "project": "projects",
    "zone": "zones",
    "contact": "contacts",
    "map": "map",
    "stats": "stats",
    "organization": "organizations",
    "dashboard": "dashboard",
}


@register.filter
def value_label(record, field: str) -> str:
    """The reader's word for a record's choice field: {{ record|value_label:"category" }}."""
    return choices.field_value_label(type(record), field, getattr(record, field, ""))


@register.filter
def label(value, vocabulary: str) -> str:
    """The reader's word for a value of a named vocabulary: {{ value|label:"role" }}."""
    return choices.label(NAMED_VOCABULARIES[vocabulary], value)


@register.filter
def state_label(value) -> str:
    """A record's workflow state, or a revision's (the same words, and `discarded`)."""
    if value in choices.WorkflowState.values:
        return choices.label(choices.WorkflowState, value)
    return choices.label(choices.RevisionState, value)


@register.filter
def field_label(name: str) -> str:
    """The reader's name of a record field: {{ "budget_amount"|field_label }}."""
    return content_field_label(name)


@register.filter
def event_label(action: str) -> str:
    """What an audit entry records ("approve" -> "Approved and published")."""
    return choices.label(choices.AuditEvent, action)


country_name = register.filter("country_name", catalogue.country_name)


@register.filter
def country_names(codes) -> str:
    return ", ".join(country_name(code) for code in codes or [])


@register.filter
def freshness_of(record) -> str | None:
    return freshness(record)


@register.simple_tag
def toggle_query(query: QueryDict, name: str, value) -> str:
    """The query string with `name` set to `value`, or removed when it already is (a facet
    link that selects, and selects off); the page position is dropped."""
    params = query.copy()
    for paging in PAGING_PARAMETERS:
        params.pop(paging, None)
    if params.get(name) == str(value):
        params.pop(name)
    else:
        params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def without_query(query: QueryDict, *names: str) -> str:
    """The query string without these parameters (nor the page position)."""
    params = query.copy()
    for name in (*names, *PAGING_PARAMETERS):
        params.pop(name, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def current_section(context) -> str:
    """The header section of the page being shown ('' on pages outside them, or error pages)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None) if request is not None else None
    name = getattr(match, "url_name", None) or ""
    return SECTIONS.get(name.split("-")[0].split("_")[0], "")


@register.filter
def language_name(code: str) -> str:
    """An ISO 639-1 code's language, in the reader's language when Django knows it."""
    # Django knows Chinese only by script ('zh-hans'); records use ISO 639-1 'zh'.
    try:
        return str(get_language_info(LANGUAGE_ALIASES.get(code, code))["name_translated"])
    except KeyError:
        return code


@register.filter
def same_items(values, others) -> bool:
    """The two lists hold the same items (a contact's countries and countries covered are
    shown once when they agree, issue 18)."""
    return sorted(values or []) == sorted(others or [])
