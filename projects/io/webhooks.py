"""Webhook deliveries (issue 19): a public change becomes one delivery per matching subscription,
sent by a worker, signed, retried with backoff for about a day, logged with its response, and
replayable; a subscription that keeps failing is paused and its owner told.

The deliveries are written in the transaction of the change (a rolled-back action announces
nothing; a committed one is never forgotten) and queued once it commits. The body is the record
as the public sees it (`exporting.record_item` as an anonymous reader): nothing a subscriber
could not read anyway.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
import uuid

import orjson
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from projects.choices import DeliveryState, WebhookState
from projects.domain import notifications, public_metadata, webhooks
from projects.io import exporting
from projects.models import WebhookDelivery, WebhookSubscription
from registry import jobs, mail, rls
from registry.tenancy import Actor, NotVisible, require, visible

logger = logging.getLogger(__name__)

RESPONSE_KEPT = 2000  # characters of a response body kept in the log


# --- From a public change to deliveries ---------------------------------------------------------


def _listening(event: str, record_type: str) -> list[WebhookSubscription]:
    rows = WebhookSubscription.objects.unscoped("every organization's partners hear of it")
    return [
        subscription
        for subscription in rows.filter(state=WebhookState.ACTIVE).order_by("pk")
        if event in subscription.events and record_type in subscription.record_types
    ]


def public_data(record) -> dict:
    """The record as anyone may read it (published data only)."""
    anonymous = Actor.anonymous()
    queryset = visible(anonymous, type(record)).filter(pk=record.pk).select_related("organization")
    items = list(exporting.reference_items(anonymous, queryset))
    return items[0] if items else {}


def on_public_change(sender, record, previous_state, **kwargs) -> None:
    event = webhooks.event_of(previous_state, record.workflow_state)
    if event is None:
        return
    with rls.system_context("webhook subscriptions of every organization hear of public changes"):
        listening = _listening(event, record.record_type)
        if not listening:
            return
        body = {
            "event": event,
            "type": record.record_type,
            "identifier": record.identifier,
            "occurred_at": timezone.now().isoformat(),
            "data": public_data(record),
        }
        created = [
            WebhookDelivery.objects.create(
                organization_id=subscription.organization_id,
                subscription=subscription,
                event_id=uuid.uuid4(),
                event=event,
                record_type=record.record_type,
                identifier=record.identifier,
                payload={"id": None, **body},
            )
            for subscription in listening
        ]
    for delivery in created:
        transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))


def _enqueue(delivery_id: int) -> None:
    try:
        deliver.delay(delivery_id)
    except Exception:  # the broker is away: the delivery stays pending in the log
        logger.exception("could not queue webhook delivery %s", delivery_id)


# --- Sending ------------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> bytes:
    return orjson.dumps({**delivery.payload, "id": str(delivery.event_id)})


def send(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """POST the delivery once: (status, response text, error)."""
    subscription = delivery.subscription
    refusal = webhooks.target_refusal(subscription.url)
    if refusal:
        return None, "", refusal
    body = body_of(delivery)
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SilkRoadRegistry-Webhooks/1",
            webhooks.EVENT_HEADER: delivery.event,
            webhooks.EVENT_ID_HEADER: str(delivery.event_id),
            webhooks.SIGNATURE_HEADER: webhooks.signature(
                subscription.secret, int(time.time()), body
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return response.status, response.read(RESPONSE_KEPT).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as error:
        return error.code, error.read(RESPONSE_KEPT).decode("utf-8", "replace"), str(error)
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, "", str(getattr(error, "reason", error))


def attempt(delivery_id: int, attempts_before: int | None = None) -> bool | None:
    """One attempt at a delivery: True delivered, False failed (try again), None nothing to do
    (delivered already, its subscription paused or gone, or, given `attempts_before`, another
    copy of this retry has made it already: Redis may hand a waiting message out twice)."""
    with rls.system_context("a worker delivers a webhook"), transaction.atomic():
        delivery = (
            WebhookDelivery.objects.unscoped("the worker's own delivery")
            .select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state == DeliveryState.SUCCEEDED:
            return None
        if attempts_before is not None and delivery.attempts != attempts_before:
            return None
        if delivery.subscription.state != WebhookState.ACTIVE:
            return None
        status, text, error = send(delivery)
        ok = status is not None and 200 <= status < 300
        delivery.attempts += 1
        delivery.response_status, delivery.response_body = status, text[:RESPONSE_KEPT]
        delivery.error = "" if ok else (error or f"HTTP {status}")
        if ok:
            delivery.state, delivery.delivered_at = DeliveryState.SUCCEEDED, timezone.now()
        delivery.save()
        _count(delivery.subscription, ok)
        return ok


def _count(subscription: WebhookSubscription, ok: bool) -> None:
    rows = WebhookSubscription.objects.unscoped("the worker keeps the failure count")
    if ok:
        rows.filter(pk=subscription.pk).update(consecutive_failures=0)
        return
    subscription.consecutive_failures += 1
    rows.filter(pk=subscription.pk).update(consecutive_failures=subscription.consecutive_failures)
    if subscription.consecutive_failures >= settings.WEBHOOK_PAUSE_AFTER:
        pause(subscription)


def pause(subscription: WebhookSubscription) -> None:
    """Stop delivering to a subscription that keeps failing, and tell who made it and the
    organization's admins."""
    rows = WebhookSubscription.objects.unscoped("the worker pauses a failing subscription")
    if not rows.filter(pk=subscription.pk, state=WebhookState.ACTIVE).update(
        state=WebhookState.PAUSED, paused_at=timezone.now()
    ):
        return
    recipients = notifications.admins_with_email(subscription.organization_id)
    if subscription.created_by.email and subscription.created_by not in recipients:
        recipients.append(subscription.created_by)
    # Each in their own language, after this transaction commits (registry.mail -> the queue).
    mail.send_templated("webhook_paused", recipients, {"subscription": subscription})


def _give_up(delivery_id: int) -> None:
    with rls.system_context("a worker gives up a delivery"):
        WebhookDelivery.objects.unscoped("the worker's own delivery").filter(
            pk=delivery_id, state=DeliveryState.PENDING
        ).update(state=DeliveryState.FAILED)


@shared_task(bind=True, name="projects.io.webhooks.deliver", max_retries=jobs.DELIVERY_RETRIES)
def deliver(self, delivery_id: int, attempts_before: int | None = None) -> None:
    """Deliver, retrying with exponential backoff for about a day (registry.jobs.backoff).
    Each retry names the attempts made before it, so that a second copy of it does nothing."""
    outcome = attempt(delivery_id, attempts_before)
    if outcome is not False:
        return
    if self.request.is_eager or self.request.retries >= self.max_retries:
        # In-process (no worker) there is no later: the log keeps it for a replay.
        if self.request.retries >= self.max_retries:
            _give_up(delivery_id)
        return
    made = _attempts_made(delivery_id)
    raise self.retry(
        args=[delivery_id, made], countdown=jobs.delivery_backoff(self.request.retries)
    )


def _attempts_made(delivery_id: int) -> int:
    with rls.system_context("a worker counts a delivery's attempts"):
        return (
            WebhookDelivery.objects.unscoped("the worker's own delivery")
            .filter(pk=delivery_id)
            .values_list("attempts", flat=True)
            .get()
        )


# --- The log and replays, as the subscription's admins see them ---------------------------------


def deliveries(actor: Actor, subscription: WebhookSubscription):
    return visible(actor, WebhookDelivery).filter(subscription=subscription).order_by("-pk")


def replay(actor: Actor, subscription: WebhookSubscription, event_id) -> WebhookDelivery:
    """Send a logged delivery again: the same event id and body, a fresh signature."""
    delivery = deliveries(actor, subscription).filter(event_id=event_id).first()
    if delivery is None:
        raise NotVisible("No such delivery.")
    require(actor, "replay", delivery)
    with rls.system_context("an admin replays their organization's delivery"):
        WebhookDelivery.objects.unscoped("replayed by its admin").filter(pk=delivery.pk).update(
            state=DeliveryState.PENDING, delivered_at=None
        )
        if subscription.state != WebhookState.ACTIVE:
            WebhookSubscription.objects.unscoped("resumed by its admin").filter(
                pk=subscription.pk
            ).update(state=WebhookState.ACTIVE, consecutive_failures=0, paused_at=None)
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    delivery.state = DeliveryState.PENDING
    return delivery


def connect() -> None:
    public_metadata.public_change.connect(on_public_change, dispatch_uid="webhooks-public-change")
