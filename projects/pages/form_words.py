"""Words and addresses the signed-in pages share: the workflow actions' labels in the reader's
language, the record types' nouns, and where a record's public page is."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from projects.choices import EDITABLE_STATES, WorkflowState
from projects.domain.revisions import EDITABLE_REVISION_STATES

# The buttons of SPEC 5's actions (projects.domain.workflow.TRANSITIONS), translated.
ACTION_LABELS = {
    "submit": _("Submit for review"),
    "signoff": _("Sign off"),
    "withdraw": _("Withdraw"),
    "approve": _("Approve and publish"),
    "request_changes": _("Request changes"),
    "reject": _("Reject"),
    "reopen": _("Reopen"),
    "archive": _("Archive"),
    "reconfirm": _("Confirm still current"),
}

# What the page says once an action is done.
ACTION_DONE = {
    "submit": _("%(identifier)s is submitted."),
    "signoff": _("%(identifier)s is signed off and goes to the reviewers."),
    "withdraw": _("%(identifier)s is withdrawn and can be edited again."),
    "approve": _("%(identifier)s is approved and published."),
    "request_changes": _("Changes are requested on %(identifier)s."),
    "reject": _("%(identifier)s is rejected."),
    "reopen": _("%(identifier)s is reopened as a draft."),
    "archive": _("%(identifier)s is archived."),
    "reconfirm": _("%(identifier)s is confirmed as still current."),
}

# How the history names what happened (audit log actions beyond the workflow's).
EVENT_LABELS = {
    **ACTION_LABELS,
    "create": _("Created"),
    "update": _("Edited"),
    "revise": _("Edited (pending revision)"),
    "discard_revision": _("Pending revision discarded"),
    "delete": _("Deleted"),
    "add_participant": _("Participant added"),
    "confirm_participation": _("Participation confirmed"),
    "decline_participation": _("Participation declined"),
    "reminder": _("Freshness reminder sent"),
    "refused": _("Refused attempt"),
    "approve": _("Approved and published"),
    "submit": _("Submitted"),
    "signoff": _("Signed off"),
    "withdraw": _("Withdrawn"),
    "request_changes": _("Changes requested"),
    "reject": _("Rejected"),
    "reopen": _("Reopened"),
    "archive": _("Archived"),
    "reconfirm": _("Confirmed still current"),
}

STATE_LABELS = {
    "draft": pgettext_lazy("workflow state", "draft"),
    "pending_signoff": pgettext_lazy("workflow state", "pending sign-off"),
    "submitted": pgettext_lazy("workflow state", "submitted"),
    "changes_requested": pgettext_lazy("workflow state", "changes requested"),
    "published": pgettext_lazy("workflow state", "published"),
    "rejected": pgettext_lazy("workflow state", "rejected"),
    "archived": pgettext_lazy("workflow state", "archived"),
    "discarded": pgettext_lazy("workflow state", "discarded"),
}


@dataclass(frozen=True)
class Noun:
    key: str  # the URL names' prefix: project-create, zone-edit, ...
    singular: Promise
    plural: Promise


RECORD_NOUNS = {
    "projects": Noun("project", _("flagship project"), _("Flagship projects")),
    "zones": Noun("zone", _("cooperation zone"), _("Cooperation zones")),
    "contacts": Noun("contact", _("contact"), _("Contacts")),
}


def editable(record, revision) -> bool:
    """Can the record's content be edited now (SPEC 5)? Drafts and changes requested in place;
    a published record through its revision, unless that revision is under review."""
    if record.workflow_state in EDITABLE_STATES:
        return True
    if record.workflow_state != WorkflowState.PUBLISHED:
        return False
    return revision is None or revision.state in EDITABLE_REVISION_STATES


def detail_url(record) -> str:
    """The record's public page (SPEC 7: /projects/<identifier>/, /zones/..., /contacts/...)."""
    return f"/{record.record_type}/{record.identifier}/"


# The records' choice lists (projects.choices) in the reader's language, by value.
CHOICE_LABELS = {
    "category": {
        "tourism_train": _("tourism train"),
        "tourism_route": _("tourism route"),
        "cross_border_driving": _("cross-border driving"),
        "heritage_site": _("heritage site"),
        "event_festival": _("event or festival"),
        "visa_facilitation": _("visa facilitation"),
        "air_route": _("air route"),
        "infrastructure": _("infrastructure"),
        "insurance_product": _("insurance product"),
        "brand_promotion": _("brand promotion"),
        "other": pgettext_lazy("category", "other"),
    },
    "lifecycle_status": {
        "pipeline": _("pipeline"),
        "implementation": _("implementation"),
        "finalisation": _("finalisation"),
        "closed": _("closed"),
        "cancelled": _("cancelled"),
        "suspended": _("suspended"),
        "planned": _("planned"),
        "operational": _("operational"),
    },
    "kind": {
        "cross_border_tourism_zone": _("cross-border tourism zone"),
        "border_tourism_pilot_area": _("border tourism pilot area"),
        "insurance_claims": _("insurance claims"),
        "dispute_resolution": _("dispute resolution"),
        "safety_assistance": _("safety assistance"),
        "consular": _("consular"),
        "tourist_hotline": _("tourist hotline"),
        "other": pgettext_lazy("kind", "other"),
    },
    "role": {
        "lead": _("lead"),
        "partner": _("partner"),
        "funder": _("funder"),
        "operator": _("operator"),
        "insurer": _("insurer"),
    },
    "participation_status": {
        "pending": _("unconfirmed"),
        "confirmed": _("confirmed"),
        "declined": _("declined"),
    },
}


def choice_label(field: str, value: str) -> str:
    """A choice's label in the reader's language (the value itself if unknown)."""
    return CHOICE_LABELS.get(field, {}).get(value, value)
