"""Read-only feeds over the whole registry: the review queue and the changes feed."""

from __future__ import annotations

import hashlib

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from projects.api import serializers as s
from projects.domain import workflow
from projects.domain.audit import PUBLIC_EVENT_ACTIONS
from projects.domain.boundary import visible_record_events
from projects.models import RECORD_MODELS
from registry.api import cursors
from registry.api.base import RegistryViewMixin
from registry.api.conditional import not_modified, not_modified_response, with_validators
from registry.api.pagination import page_size_from

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
            OpenApiParameter(
                "since",
                str,
                pattern=cursors.PATTERN,
                description="The cursor of the last event you have. " + cursors.DESCRIPTION,
            ),
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
        for model in RECORD_MODELS:
            marker = "IDENTIFIER0MARKER"
            url = reverse(
                f"api-{model.record_type}-detail", kwargs={"identifier": marker}, request=request
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
        record_type = model.record_type
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
