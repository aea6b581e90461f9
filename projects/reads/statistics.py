"""The registry's statistics (SPEC 6 `/api/v1/stats/`): counts of what the caller can see, by
state, category or kind and organization, with SPEC 5's freshness and completeness figures.

Every figure is computed from `tenancy.visible` rows, so a record the caller cannot see is in no
count and no average.
"""

from __future__ import annotations

from django.db.models import Count, Sum

from accounts.models import Organization, SisterCityLink
from projects.choices import Freshness
from projects.domain.freshness import freshness_counts
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor, visible


def _counts(queryset, field: str, key=None) -> dict[str, int]:
    rows = queryset.order_by().values(key or field).annotate(n=Count("pk"))
    return {row[key or field]: row["n"] for row in rows}


STATS_BREAKDOWNS = {
    Project: ("workflow_state", "category", "lifecycle_status"),
    Zone: ("workflow_state", "kind", "lifecycle_status"),
    Contact: ("workflow_state", "kind"),
}


def _average(total, count) -> float | None:
    return round(total / count, 1) if count else None


def _by_organization(rows) -> dict:
    """Per organization slug: the count, the counts by freshness and the average completeness.

    One grouped query over `rows` (already narrowed by tenancy.visible), so an organization's
    records the caller cannot see are in no count and no average.
    """
    grouped = (
        rows.order_by()
        .values("organization__slug")
        .annotate(
            _count=Count("pk"),
            _completeness=Sum("completeness"),
            **freshness_counts(prefix="_fresh_"),
        )
    )
    result = {}
    for row in grouped:
        result[row["organization__slug"]] = {
            "count": row["_count"],
            "completeness_total": row["_completeness"] or 0,
            "freshness": {value: row[f"_fresh_{value}"] for value in Freshness.values},
        }
    return result


def _quality(per_organization: dict) -> dict:
    """The SPEC 5 freshness and completeness figures, overall and per organization."""
    count = sum(item["count"] for item in per_organization.values())
    total = sum(item["completeness_total"] for item in per_organization.values())
    return {
        "by_freshness": {
            value: sum(item["freshness"][value] for item in per_organization.values())
            for value in Freshness.values
        },
        "average_completeness": _average(total, count),
        "freshness_by_organization": {
            slug: item["freshness"] for slug, item in per_organization.items()
        },
        "completeness_by_organization": {
            slug: _average(item["completeness_total"], item["count"])
            for slug, item in per_organization.items()
        },
    }


def statistics(actor: Actor) -> dict:
    """The body of `/api/v1/stats/` for this actor."""
    body = {}
    for model, fields in STATS_BREAKDOWNS.items():
        rows = visible(actor, model)
        by = {f"by_{field}": _counts(rows, field) for field in fields}
        per_organization = _by_organization(rows)
        by["by_organization"] = {slug: item["count"] for slug, item in per_organization.items()}
        body[model.record_type] = {
            "total": sum(by["by_workflow_state"].values()),
            **by,
            **_quality(per_organization),
        }
    body["organizations"] = visible(actor, Organization).filter(is_active=True).count()
    body["sister_city_links"] = visible(actor, SisterCityLink).filter(status="active").count()
    return body
