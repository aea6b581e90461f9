"""Partner webhooks (issue 19): who may subscribe, which targets are allowed, how a delivery is
signed, and which public change is which event.

* An organization's admins (by session, or by an API key with the read and write scopes)
  subscribe a URL to events (`published`, `updated`, `archived`) of record types; the secret is
  made here and shown once (`subscribe` returns it).
* Targets on private, loopback, link-local or otherwise internal addresses are refused, at
  subscription and again at each delivery (a name may resolve elsewhere later), unless
  `WEBHOOK_ALLOW_PRIVATE` is on (tests, closed networks).
* `X-Registry-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (`signature`).
* The workflow's public changes are announced by `public_metadata.public_change` (sent by
  `projects.domain.public_metadata.published_content_changes`); projects/io/webhooks.py turns
  them into deliveries. Only public data is ever sent: the event names a record the public sees.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from projects.choices import WebhookEvent, WorkflowState
from projects.models import RECORD_MODELS_BY_TYPE, WebhookSubscription
from registry.tenancy import Actor, NotVisible, require, visible

SIGNATURE_HEADER = "X-Registry-Signature"
EVENT_ID_HEADER = "X-Registry-Event-Id"
EVENT_HEADER = "X-Registry-Event"


def event_of(previous_state: str | None, state: str) -> str | None:
    """The event a public change is: first published, published again (its public content
    changed), or archived."""
    if state == WorkflowState.PUBLISHED:
        if previous_state == WorkflowState.PUBLISHED:
            return WebhookEvent.UPDATED
        return WebhookEvent.PUBLISHED
    if state == WorkflowState.ARCHIVED and previous_state != WorkflowState.ARCHIVED:
        return WebhookEvent.ARCHIVED
    return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of X-Registry-Signature for `body` sent at `timestamp` (docs/api.md)."""
    signed = f"{int(timestamp)}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={int(timestamp)},v1={digest}"


# --- Targets ------------------------------------------------------------------------------------


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def target_refusal(url: str) -> str | None:
    """Why the registry will not send to `url`, or None."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "Give an http:// or https:// URL."
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "Put no user name or password in the URL; the signature authenticates."
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return None
    try:
        addresses = {
            info[4][0]
            for info in socket.getaddrinfo(parts.hostname, parts.port or 443, 0, socket.SOCK_STREAM)
        }
    except (OSError, UnicodeError):
        return f"The host {parts.hostname} cannot be resolved."
    if not addresses or any(_internal(address) for address in addresses):
        return (
            f"{parts.hostname} is a private, loopback or internal address; webhooks are sent "
            "to public addresses only."
        )
    return None


# --- Subscriptions ------------------------------------------------------------------------------


def _choices(name: str, values, allowed) -> list[str]:
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValidationError({name: [f"Give a list of one or more of: {', '.join(allowed)}."]})
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(
            {name: [f"Unknown: {', '.join(unknown)}; choose from {', '.join(allowed)}."]}
        )
    return sorted(set(values), key=list(allowed).index)


def subscribe(actor: Actor, organization, url, events, record_types):
    """A new subscription of `organization` (the actor must be its admin, with the write
    scope) and its secret, which is shown only now."""
    subscription = WebhookSubscription(organization=organization, created_by=actor.user)
    require(actor, "create", subscription)
    errors = {}
    if not isinstance(url, str) or target_refusal(url):
        errors["url"] = [target_refusal(url) if isinstance(url, str) else "Give the URL as text."]
    for name, values, allowed in (
        ("events", events, WebhookEvent.values),
        ("record_types", record_types, list(RECORD_MODELS_BY_TYPE)),
    ):
        try:
            setattr(subscription, name, _choices(name, values, allowed))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    subscription.url = url
    subscription.secret = "whsec_" + secrets.token_hex(32)
    subscription.save()
    return subscription, subscription.secret


def subscriptions(actor: Actor):
    """The subscriptions the actor manages (their organizations' as an admin)."""
    return visible(actor, WebhookSubscription).order_by("pk")


def subscription_of(actor: Actor, pk) -> WebhookSubscription:
    found = subscriptions(actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotVisible("No such webhook subscription.")
    return found


def unsubscribe(actor: Actor, pk) -> None:
    subscription = subscription_of(actor, pk)
    require(actor, "delete", subscription)
    subscription.delete()
