"""The words the pages show for the stored values of the choice lists, in the reader's language.

projects/choices.py keeps the vocabularies in English for the API, its error messages and the
schema; the pages need each value translated, so the labels are written out here as literals
(`makemessages` finds only literals). tests/pages/test_labels.py fails when a choice list gains
a value without a label here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import OrganizationKind, Sector, SisterCityStatus
from projects.choices import (
    ContactKind,
    Freshness,
    ParticipantRole,
    ParticipationStatus,
    ProjectCategory,
    ProjectLifecycle,
    RelationKind,
    WorkflowState,
    ZoneKind,
    ZoneLifecycle,
)
from projects.models import Contact, Project, Zone

# One table per vocabulary: the same value ("other", "closed") reads differently by context.
LABELS = {
    WorkflowState: {
        "draft": _("Draft"),
        "pending_signoff": _("Awaiting sign-off"),
        "submitted": _("Submitted for review"),
        "changes_requested": _("Changes requested"),
        "published": _("Published"),
        "rejected": _("Rejected"),
        "archived": _("Archived"),
    },
    ProjectCategory: {
        "tourism_train": _("Tourism train"),
        "tourism_route": _("Tourism route"),
        "cross_border_driving": _("Cross-border self-driving"),
        "heritage_site": _("Heritage site"),
        "event_festival": _("Event or festival"),
        "visa_facilitation": _("Visa facilitation"),
        "air_route": _("Air route"),
        "infrastructure": _("Infrastructure"),
        "insurance_product": _("Insurance product"),
        "brand_promotion": _("Brand promotion"),
        "other": pgettext_lazy("project category", "Other"),
    },
    ProjectLifecycle: {
        "pipeline": _("Pipeline"),
        "implementation": _("Implementation"),
        "finalisation": _("Finalisation"),
        "closed": pgettext_lazy("project status", "Closed"),
        "cancelled": _("Cancelled"),
        "suspended": pgettext_lazy("project status", "Suspended"),
    },
    ZoneKind: {
        "cross_border_tourism_zone": _("Cross-border tourism cooperation zone"),
        "border_tourism_pilot_area": _("Border tourism pilot area"),
        "other": pgettext_lazy("zone kind", "Other"),
    },
    ZoneLifecycle: {
        "planned": _("Planned"),
        "operational": _("Operational"),
        "suspended": pgettext_lazy("zone status", "Suspended"),
        "closed": pgettext_lazy("zone status", "Closed"),
    },
    ContactKind: {
        "insurance_claims": _("Insurance claims"),
        "dispute_resolution": _("Dispute resolution"),
        "safety_assistance": _("Safety assistance"),
        "consular": _("Consular assistance"),
        "tourist_hotline": _("Tourist hotline"),
        "other": pgettext_lazy("contact kind", "Other"),
    },
    ParticipantRole: {
        "lead": _("Lead"),
        "partner": pgettext_lazy("participant role", "Partner"),
        "funder": _("Funder"),
        "operator": _("Operator"),
        "insurer": pgettext_lazy("participant role", "Insurer"),
    },
    ParticipationStatus: {
        "pending": _("Unconfirmed"),
        "confirmed": _("Confirmed"),
        "declined": pgettext_lazy("participation", "Declined"),
    },
    RelationKind: {
        "parent": _("Parent project"),
        "child": _("Sub-project"),
        "sibling": _("Sister project"),
    },
    Freshness: {
        "current": _("Current"),
        "stale": _("Stale"),
        "inactive": _("Inactive"),
    },
    OrganizationKind: {
        "local_government": _("Local government"),
        "market_entity": _("Market entity"),
        "secretariat": _("Secretariat"),
        "partner": pgettext_lazy("organization kind", "Partner"),
    },
    Sector: {
        "rail": _("Rail"),
        "airline": _("Airline"),
        "tour_operator": _("Tour operator"),
        "insurer": pgettext_lazy("sector", "Insurer"),
        "hotel": _("Hotel"),
        "other": pgettext_lazy("sector", "Other"),
    },
    SisterCityStatus: {
        "proposed": _("Proposed"),
        "active": pgettext_lazy("sister-city link", "Active"),
        "declined": pgettext_lazy("sister-city link", "Declined"),
        "ended": _("Ended"),
    },
}

# The vocabulary of each choice field of a record type (the same name means different lists).
RECORD_VOCABULARIES = {
    Project: {"category": ProjectCategory, "lifecycle_status": ProjectLifecycle},
    Zone: {"kind": ZoneKind, "lifecycle_status": ZoneLifecycle},
    Contact: {"kind": ContactKind},
}
COMMON_VOCABULARIES = {"workflow_state": WorkflowState, "freshness": Freshness}


def vocabulary_of(model, field: str):
    """The choice list of `field` on a record type (None for a field without one)."""
    return RECORD_VOCABULARIES.get(model, {}).get(field) or COMMON_VOCABULARIES.get(field)


def label(vocabulary, value) -> str:
    """The reader's word for `value` of `vocabulary`; the value itself if it has none."""
    if value in (None, ""):
        return ""
    return str(LABELS.get(vocabulary, {}).get(value, value))


def choices(vocabulary) -> list[tuple[str, str]]:
    """(value, label) pairs of a vocabulary, in its own order."""
    return [(value, label(vocabulary, value)) for value in vocabulary.values]


# The reader's name of each field of the records (SPEC 4), for detail pages and the list of
# fields a record still lacks.
FIELD_NAMES = {
    "title": _("Title"),
    "summary": _("Summary"),
    "description": _("Description"),
    "category": _("Category"),
    "lifecycle_status": _("Status"),
    "countries": _("Countries"),
    "tags": _("Tags"),
    "planned_start": _("Planned start"),
    "actual_start": _("Actual start"),
    "planned_end": _("Planned end"),
    "actual_end": _("Actual end"),
    "locations": _("Locations"),
    "zones": _("Cooperation zones"),
    "related_projects": _("Related projects"),
    "budget_amount": _("Budget"),
    "budget_currency": _("Budget currency"),
    "website": _("Website"),
    "documents": _("Documents"),
    "expected_outcomes": _("Expected outcomes"),
    "name": _("Name"),
    "kind": _("Kind"),
    "geometry": _("Area (geometry)"),
    "border_crossings": _("Border crossings"),
    "established_on": _("Established on"),
    "governing_body": _("Governing body"),
    "policies": _("Policies"),
    "provider": _("Provider"),
    "phone": _("Phone"),
    "email": _("Email"),
    "languages": _("Languages"),
    "hours": _("Hours"),
    "countries_covered": _("Countries covered"),
    "projects": _("Projects"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
}


def field_name(name: str) -> str:
    return str(FIELD_NAMES.get(name, name))


# The topics of a zone's policies (projects.validation.ZONE_POLICY_KEYS) and the categories of a
# project's documents (DOCUMENT_CATEGORIES).
POLICY_TOPICS = {
    "visa_facilitation": _("Visa facilitation"),
    "cross_border_investment": _("Cross-border investment"),
    "insurance": _("Insurance"),
    "other": pgettext_lazy("policy topic", "Other"),
}
DOCUMENT_CATEGORIES = {
    "agreement": _("Agreement"),
    "report": _("Report"),
    "brochure": _("Brochure"),
    "map": pgettext_lazy("document category", "Map"),
    "regulation": _("Regulation"),
    "other": pgettext_lazy("document category", "Other"),
}
