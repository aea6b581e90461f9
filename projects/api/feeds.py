"""Read-only views over the whole registry: review queue, changes feed, statistics."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Sum
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.models import Organization, SisterCityLink
from projects.api import serializers as s
from projects.choices import Freshness
from projects.domain import workflow
from projects.domain.audit import PUBLIC_EVENT_ACTIONS
from projects.domain.boundary import visible_record_events
from projects.domain.freshness import freshness_counts
from projects.models import RECORD_MODELS, Contact, Project, Zone
from registry.api import cursors
from registry.api.base import RegistryViewMixin
from registry.api.conditional import not_modified, not_modified_response, with_validators
from registry.api.pagination import page_size_from
from registry.tenancy import visible

RECORD_TYPES = {model: model.record_type for model in RECORD_MODELS}
CHANGES_CURSOR = "changes"
BAD_SINCE = "The cursor is not valid; use one the feed gave you, or none to start."


def encode_cursor(entry_id: int) -> str:
    """The feed position after this event, signed (registry.api.cursors)."""
    return cursors.sign({"e": entry_id}, CHANGES_CURSOR)


def decode_cursor(cursor: str) -> int:
    payload = cursors.unsign(cursor, CHANGES_CURSOR, field="since", message=BAD_SINCE)
    value = payload.get("e")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({"since": [BAD_SINCE]})
    return value


def _event_name(entry) -> str:
    if entry.action == "archive":
        return "archive"
    return "update" if entry.revision is not None else "publish"


def _list_body(results, next_url=None) -> dict:
    return {"results": results, "next": next_url, "previous": None}


class ChangesView(RegistryViewMixin, APIView):
    """Publish, update and archive events in order, for keeping a copy in sync by polling."""

    extra_query_params = frozenset({"since"})

    @extend_schema(
        tags=["sync"],
        parameters=[
            OpenApiParameter("since", str, description="the cursor of the last event you have"),
            OpenApiParameter("page_size", int, description="1-500, default 50"),
        ],
        responses=inline_serializer(
            "ChangesPage",
            {
                "results": s.ChangeEventSerializer(many=True),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "cursor": serializers.CharField(allow_null=True),
            },
        ),
    )
    def get(self, request):
        since = request.query_params.get("since")
        after = decode_cursor(since) if since else 0
        size = page_size_from(request)
        entries = list(
            visible_record_events(self.actor, PUBLIC_EVENT_ACTIONS)
            .filter(id__gt=after)
            .select_related("content_type")
            .order_by("id")[:size]
        )
        # Each type's detail URL around its identifier, reversed once per page, not per event.
        self.url_parts = {}
        for model, record_type in RECORD_TYPES.items():
            marker = "IDENTIFIER0MARKER"
            url = reverse(
                f"api-{record_type}-detail", kwargs={"identifier": marker}, request=request
            )
            self.url_parts[model] = url.partition(marker)[::2]
        events = [self.event(entry) for entry in entries]
        cursor = events[-1]["cursor"] if events else since
        next_url = None
        if len(entries) == size:
            next_url = request.build_absolute_uri(
                f"{reverse('api-changes')}?since={cursor}&page_size={size}"
            )
        return Response({**_list_body(events, next_url), "cursor": cursor})

    def event(self, entry) -> dict:
        model = entry.content_type.model_class()
        record_type = RECORD_TYPES[model]
        prefix, suffix = self.url_parts[model]
        return {
            "cursor": encode_cursor(entry.id),
            "event": _event_name(entry),
            "type": record_type,
            "identifier": entry.identifier,
            "version": entry.version,
            "at": entry.created_at,
            "url": f"{prefix}{entry.identifier}{suffix}",
        }


class ReviewQueueView(RegistryViewMixin, APIView):
    """What waits for a reviewer: submitted records and submitted revisions, oldest first."""

    @extend_schema(
        tags=["workflow"],
        responses=inline_serializer(
            "ReviewQueue",
            {
                "results": s.QueueItemSerializer(many=True),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
            },
        ),
    )
    def get(self, request):
        self.require_authenticated()
        queue = workflow.review_queue(self.actor)
        fingerprint = "|".join(f"{r.record_type}:{r.identifier}:{r.version}" for r in queue)
        etag = f'"{hashlib.sha256(fingerprint.encode()).hexdigest()[:20]}"'
        if not_modified(request, etag):
            return not_modified_response(etag)
        data = s.QueueItemSerializer(queue, many=True).data
        return with_validators(Response(_list_body(data)), etag)


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


class StatsView(RegistryViewMixin, APIView):
    """Counts of what the caller can see, by state, category or kind, and organization.

    Each record type also carries `by_freshness` and `average_completeness`, and the same per
    organization (`freshness_by_organization`, `completeness_by_organization`); SPEC 5.
    """

    @extend_schema(
        tags=["registry"],
        responses=inline_serializer(
            "Stats",
            {
                "projects": serializers.DictField(),
                "zones": serializers.DictField(),
                "contacts": serializers.DictField(),
                "organizations": serializers.IntegerField(),
                "sister_city_links": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request):
        actor = self.actor
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
        return Response(body)
