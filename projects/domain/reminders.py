"""Freshness reminders (SPEC 5 "Freshness and completeness"), sent by
`manage.py send_freshness_reminders`, typically once a day or once a month from cron.

Each organization's admins get one mail listing its published records that turn stale within a
month (confirmed 11 to 12 months ago) and those already stale or inactive. Each record is
mentioned once per threshold and confirmation: the reminder is an audit entry (action
`reminder`, no state change, the threshold in its comment), and a record with an entry for its
threshold written since its last confirmation is not mentioned again. Reconfirming starts over.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from accounts.models import Organization
from projects.choices import WorkflowState
from projects.domain import audit, notifications
from projects.domain.freshness import (
    Freshness,
    FreshnessCutoffs,
    freshness,
    freshness_condition,
    stale_soon_condition,
)
from projects.models import RECORD_MODELS, AuditEntry, Record

logger = logging.getLogger(__name__)

REMINDER_ACTION = "reminder"
STALE_SOON = "stale_soon"
# The thresholds in the order they come, each reminded of once per confirmation.
THRESHOLDS = (STALE_SOON, Freshness.STALE.value, Freshness.INACTIVE.value)


@dataclass
class OrganizationReminder:
    """What one organization's admins are (or, in a dry run, would be) told."""

    organization: Organization
    due: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    already_reminded: int = 0
    recipients: list[str] = field(default_factory=list)
    sent: bool = False
    error: str = ""  # why the mail could not be sent (nothing was recorded then)

    @property
    def new_count(self) -> int:
        return sum(len(records) for records in self.due.values())


def threshold_of(record: Record, cutoffs: FreshnessCutoffs) -> str:
    state = freshness(record, cutoffs.now)
    return STALE_SOON if state == Freshness.CURRENT else state


def _candidates(cutoffs: FreshnessCutoffs) -> list[Record]:
    """Published records of active organizations that are stale or turn stale within a month."""
    due = (
        stale_soon_condition(cutoffs.now)
        | freshness_condition(Freshness.STALE, cutoffs.now)
        | freshness_condition(Freshness.INACTIVE, cutoffs.now)
    )
    records: list[Record] = []
    for model in RECORD_MODELS:
        rows = model.objects.unscoped("freshness reminders serve every organization's admins")
        records += rows.filter(due, organization__is_active=True).select_related("organization")
    return sorted(records, key=lambda record: (record.organization.slug, record.identifier))


def _reminded(records: list[Record]) -> set[tuple[type[Record], int, str]]:
    """(model, pk, threshold) of the reminders already sent since each record's confirmation."""
    confirmed = {(type(record), record.pk): record.confirmed_at for record in records}
    done = set()
    for model in RECORD_MODELS:
        pks = [pk for (kind, pk) in confirmed if kind is model]
        if not pks:
            continue
        entries = AuditEntry.objects.unscoped("reminders already sent about these records").filter(
            Q(content_type=ContentType.objects.get_for_model(model), object_id__in=pks),
            action=REMINDER_ACTION,
        )
        for object_id, comment, created_at in entries.values_list(
            "object_id", "comment", "created_at"
        ):
            threshold = comment.split(":", 1)[0]
            if created_at >= confirmed[(model, object_id)]:
                done.add((model, object_id, threshold))
    return done


def pending_reminders(now=None) -> list[OrganizationReminder]:
    """Per organization with anything stale or turning stale: what has not been reminded yet."""
    cutoffs = FreshnessCutoffs.at(now)
    records = _candidates(cutoffs)
    reminded = _reminded(records)
    reports: dict[int, OrganizationReminder] = {}
    for record in records:
        report = reports.setdefault(
            record.organization_id, OrganizationReminder(record.organization)
        )
        threshold = threshold_of(record, cutoffs)
        if (type(record), record.pk, threshold) in reminded:
            report.already_reminded += 1
        else:
            report.due[threshold].append(record)
    return list(reports.values())


def send_freshness_reminders(*, dry_run: bool = False, now=None) -> list[OrganizationReminder]:
    """Mail each organization's admins once about their new stale and soon-stale records."""
    cutoffs = FreshnessCutoffs.at(now)
    reports = pending_reminders(cutoffs.now)
    for report in reports:
        report.recipients = notifications.admin_emails(report.organization.pk)
        if dry_run or not report.new_count or not report.recipients:
            continue
        try:
            with transaction.atomic():
                _record_reminders(report)
                notifications.freshness_reminder(
                    report.organization,
                    dict(report.due),
                    notifications.admins_with_email(report.organization.pk),
                )
        except OSError as exc:  # smtplib's errors included; the next run tries again
            logger.exception("freshness reminder to %s failed", report.organization.slug)
            report.error = str(exc) or type(exc).__name__
            continue
        report.sent = True
    return reports


def _record_reminders(report: OrganizationReminder) -> None:
    told = f"reminder mailed to {len(report.recipients)} admin(s) of {report.organization.slug}"
    for threshold, records in report.due.items():
        for record in records:
            audit.record(
                None,
                REMINDER_ACTION,
                record,
                from_state=WorkflowState.PUBLISHED,
                to_state=WorkflowState.PUBLISHED,
                comment=f"{threshold}: {told}",
            )
