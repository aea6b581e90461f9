"""Freshness (SPEC 5 "Freshness and completeness"): how recently the owner confirmed a published
record is still current, derived from `confirmed_at` and never stored.

`freshness(record)` answers for one record; `freshness_condition(value)` is the same ranges in SQL
for filters and counts. Publishing sets `confirmed_at` and the `reconfirm` action renews it.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.choices import Freshness, WorkflowState
from projects.models import Record

# The thresholds, in calendar months since `confirmed_at` (publishing or `reconfirm` sets it).
STALE_AFTER_MONTHS = 12
INACTIVE_AFTER_MONTHS = 24
# Reminders go to the owner's admins this long before a record turns stale.
REMIND_MONTHS_BEFORE = 1


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same time `months` calendar months earlier (the 31st falls back to the month's end)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class FreshnessCutoffs:
    """Confirmed before `stale` is stale, before `inactive` inactive; before `remind`, due soon."""

    now: datetime.datetime
    remind: datetime.datetime
    stale: datetime.datetime
    inactive: datetime.datetime

    @classmethod
    def at(cls, now: datetime.datetime | None = None) -> FreshnessCutoffs:
        now = now or timezone.now()
        return cls(
            now=now,
            remind=months_before(now, STALE_AFTER_MONTHS - REMIND_MONTHS_BEFORE),
            stale=months_before(now, STALE_AFTER_MONTHS),
            inactive=months_before(now, INACTIVE_AFTER_MONTHS),
        )


def freshness(
    record: Record, now: datetime.datetime | None = None, *, cutoffs: FreshnessCutoffs | None = None
) -> str | None:
    """'current', 'stale' (12 months unconfirmed) or 'inactive' (24 months).

    None unless the record is published: a draft was never confirmed, and an archived record
    is no longer claimed to be current. Keep in step with `freshness_condition`.
    """
    if record.workflow_state != WorkflowState.PUBLISHED or record.confirmed_at is None:
        return None
    cutoffs = cutoffs or FreshnessCutoffs.at(now)  # given once for a whole page
    if record.confirmed_at < cutoffs.inactive:
        return Freshness.INACTIVE
    if record.confirmed_at < cutoffs.stale:
        return Freshness.STALE
    return Freshness.CURRENT


def freshness_condition(value: str, now: datetime.datetime | None = None) -> Q:
    """The SQL condition for records of this freshness (the same ranges as `freshness`)."""
    cutoffs = FreshnessCutoffs.at(now)
    published = Q(workflow_state=WorkflowState.PUBLISHED, confirmed_at__isnull=False)
    ranges = {
        Freshness.CURRENT: Q(confirmed_at__gte=cutoffs.stale),
        Freshness.STALE: Q(confirmed_at__lt=cutoffs.stale, confirmed_at__gte=cutoffs.inactive),
        Freshness.INACTIVE: Q(confirmed_at__lt=cutoffs.inactive),
    }
    if value not in ranges:
        raise ValueError(f"unknown freshness {value!r}")
    return published & ranges[value]


def stale_soon_condition(now: datetime.datetime | None = None) -> Q:
    """Published records that turn stale within a month (confirmed 11 to 12 months ago)."""
    cutoffs = FreshnessCutoffs.at(now)
    return Q(
        workflow_state=WorkflowState.PUBLISHED,
        confirmed_at__lt=cutoffs.remind,
        confirmed_at__gte=cutoffs.stale,
    )


def freshness_counts(now: datetime.datetime | None = None, prefix: str = "") -> dict:
    """Aggregates counting the records of each freshness, for one query (stats, list ETags)."""
    now = now or timezone.now()  # one instant for the three counts
    return {
        f"{prefix}{value}": models.Count("pk", filter=freshness_condition(value, now))
        for value in Freshness.values
    }


def confirmations_at_thresholds(published: models.QuerySet, now, *, before: bool) -> tuple:
    """(at the stale threshold, at the inactive threshold) of `published` at `now`: for each
    threshold, the latest confirmation before it (`before`) or the earliest from it on.

    When a threshold passes the confirmation it gave, a record has changed freshness: list
    stamps (change_counters.list_stamp) take the latest before, the counts' cache
    (projects.reads.facet_counts) the earliest after. Two index probes on the partial index
    `<record>_confirmed`, in one query.
    """
    cutoffs = FreshnessCutoffs.at(now)

    def probe(moment):
        if before:
            nearest = published.filter(confirmed_at__lt=moment).order_by("-confirmed_at")
        else:
            nearest = published.filter(confirmed_at__gte=moment).order_by("confirmed_at")
        return models.Subquery(nearest.values("confirmed_at")[:1])

    found = (
        published.annotate(stale=probe(cutoffs.stale), inactive=probe(cutoffs.inactive))
        .values_list("stale", "inactive")
        .order_by()[:1]
    )
    return next(iter(found), (None, None))
