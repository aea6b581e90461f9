"""Partner webhooks over the API (issue 19): `POST/GET /api/v1/webhooks/`,
`DELETE /api/v1/webhooks/<id>/`, the delivery log `GET /api/v1/webhooks/<id>/deliveries/` and
`POST /api/v1/webhooks/<id>/deliveries/<event id>/replay/`.

Thin faces over projects/domain/webhooks.py (who may subscribe, which targets) and
projects/io/webhooks.py (deliveries). An organization's admins manage them, by session or by an
API key with the read and write scopes; the secret is in the answer to POST only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.base import caller_organization
from projects.choices import WebhookEvent
from projects.domain import webhooks
from projects.io import webhooks as deliveries
from projects.models import RECORD_MODELS_BY_TYPE
from registry.api.base import RegistryViewMixin, json_object

SUBSCRIBE_BODY = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "uri", "maxLength": 500},
        "events": {
            "type": "array",
            "items": {"type": "string", "enum": WebhookEvent.values},
            "minItems": 1,
            "uniqueItems": True,
        },
        "record_types": {
            "type": "array",
            "items": {"type": "string", "enum": list(RECORD_MODELS_BY_TYPE)},
            "minItems": 1,
            "uniqueItems": True,
        },
    },
    "required": ["url", "events", "record_types"],
    "additionalProperties": False,
}


def subscription_data(subscription) -> dict:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": subscription.events,
        "record_types": subscription.record_types,
        "organization": subscription.organization.slug,
        "state": subscription.state,
        "consecutive_failures": subscription.consecutive_failures,
        "created_at": subscription.created_at,
        "paused_at": subscription.paused_at,
    }


def delivery_data(delivery) -> dict:
    return {
        "event_id": str(delivery.event_id),
        "event": delivery.event,
        "type": delivery.record_type,
        "identifier": delivery.identifier,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "response_body": delivery.response_body,
        "error": delivery.error or None,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
    }


def _field_errors(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


class WebhookListView(RegistryViewMixin, APIView):
    """The webhook subscriptions of the organizations the caller administers; subscribe."""

    extra_query_params = frozenset({"organization"})

    @extend_schema(
        operation_id="webhooks_list",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="the subscriptions")},
        description="The subscriptions the caller manages (without their secrets).",
    )
    def get(self, request):
        self.require_authenticated()
        rows = webhooks.subscriptions(self.actor).select_related("organization")
        return Response({"results": [subscription_data(row) for row in rows]})

    @extend_schema(
        parameters=[
            OpenApiParameter("organization", str, description="session users: the organization")
        ],
        request={"application/json": SUBSCRIBE_BODY},
        responses={
            201: OpenApiResponse(
                OpenApiTypes.OBJECT, description="the subscription, with its secret (shown once)"
            )
        },
        description="Subscribe a URL to public changes of records. Each delivery is a POST "
        "signed with X-Registry-Signature (docs/api.md, 'Webhooks'). An organization's admins "
        "only; private and loopback targets are refused.",
    )
    def post(self, request):
        self.require_authenticated()
        body = json_object(request.data)
        unknown = sorted(set(body) - {"url", "events", "record_types"})
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        organization = caller_organization(request, self.actor)
        try:
            subscription, secret = webhooks.subscribe(
                self.actor,
                organization,
                body.get("url"),
                body.get("events"),
                body.get("record_types"),
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        data = {**subscription_data(subscription), "secret": secret}
        return Response(
            data, status=201, headers={"Location": f"/api/v1/webhooks/{subscription.pk}/"}
        )


class WebhookDetailView(RegistryViewMixin, APIView):
    """One subscription: read it, or end it."""

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request, pk):
        self.require_authenticated()
        return Response(subscription_data(webhooks.subscription_of(self.actor, pk)))

    @extend_schema(responses={204: None}, description="End the subscription (and its log).")
    def delete(self, request, pk):
        self.require_authenticated()
        webhooks.unsubscribe(self.actor, pk)
        return Response(status=204)


class WebhookDeliveriesView(RegistryViewMixin, APIView):
    """The delivery log of a subscription, newest first (the last 100)."""

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request, pk):
        self.require_authenticated()
        subscription = webhooks.subscription_of(self.actor, pk)
        rows = deliveries.deliveries(self.actor, subscription)[:100]
        return Response({"results": [delivery_data(row) for row in rows]})


class WebhookReplayView(RegistryViewMixin, APIView):
    """Send a logged delivery again (same event id and body); resumes a paused subscription."""

    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(OpenApiTypes.OBJECT, description="queued again")},
    )
    def post(self, request, pk, event_id):
        self.require_authenticated()
        subscription = webhooks.subscription_of(self.actor, pk)
        delivery = deliveries.replay(self.actor, subscription, event_id)
        return Response(delivery_data(delivery), status=202)
