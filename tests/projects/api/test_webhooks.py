"""Partner webhooks (issue 19): subscribing (organization admins; secret shown once; private
targets refused), signed deliveries verified by a tiny local receiver, retries, the log,
replays, pausing after repeated failures, and only public data ever sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.domain import keys
from projects.domain import webhooks
from projects.io import webhooks as deliveries
from projects.models import Contact, Project, WebhookDelivery, WebhookSubscription, Zone
from registry import rls
from tests.projects.factories import act, create


class Receiver:
    """An HTTP server on loopback that records what it receives and answers `status`."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"thanks" if receiver.status < 300 else b"broken")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, header: str, body: bytes) -> bool:
    """What docs/api.md tells a partner to do."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()


def admin_client(user):
    client = APIClient()
    client.force_login(user)
    return client


def subscribe(client, url, events=("published", "updated", "archived"), types=("projects",)):
    return client.post(
        "/api/v1/webhooks/",
        {"url": url, "events": list(events), "record_types": list(types)},
        format="json",
    )


def publish(editor, reviewer, model, organization, **overrides):
    return act(
        reviewer, act(editor, create(model, organization, editor, **overrides), "submit"), "approve"
    )


# --- Subscribing -------------------------------------------------------------------------------


def test_an_admin_subscribes_and_sees_the_secret_once(admin_a, receiver):
    client = admin_client(admin_a)
    response = subscribe(client, receiver.url)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["secret"].startswith("whsec_") and len(data["secret"]) > 40
    assert response["Location"] == f"/api/v1/webhooks/{data['id']}/"
    assert (data["events"], data["record_types"], data["state"]) == (
        ["published", "updated", "archived"],
        ["projects"],
        "active",
    )
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [data["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"/api/v1/webhooks/{data['id']}/").json()


def test_a_key_with_read_and_write_subscribes_a_read_key_does_not(org_a, admin_a, receiver):
    _, raw = keys.issue_key(admin_a, org_a, name="partner", scopes="read,write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert subscribe(client, receiver.url).status_code == 201
    _, raw = keys.issue_key(admin_a, org_a, name="reader", scopes="read")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert subscribe(client, receiver.url).status_code == 403


def test_editors_and_strangers_may_not_subscribe_or_see_subscriptions(
    admin_a, editor_a, editor_b, receiver
):
    made = subscribe(admin_client(admin_a), receiver.url).json()
    assert subscribe(admin_client(editor_a), receiver.url).status_code == 403
    assert APIClient().get("/api/v1/webhooks/").status_code == 401
    for user in (editor_a, editor_b):
        client = admin_client(user)
        assert client.get("/api/v1/webhooks/").json()["results"] == []
        assert client.get(f"/api/v1/webhooks/{made['id']}/").status_code == 404
        assert client.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_and_loopback_targets_are_refused(admin_a, url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = subscribe(admin_client(admin_a), url)
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not WebhookSubscription.objects.unscoped("test").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.org/x", "events": ["published"], "record_types": ["projects"]},
        {"url": "https://user:pw@example.org/", "events": ["published"], "record_types": ["zones"]},
        {"url": 5, "events": ["published"], "record_types": ["projects"]},
        {"url": "https://example.org/", "events": [], "record_types": ["projects"]},
        {"url": "https://example.org/", "events": ["deleted"], "record_types": ["projects"]},
        {"url": "https://example.org/", "events": "published", "record_types": ["projects"]},
        {"url": "https://example.org/", "events": ["published"], "record_types": ["people"]},
        {"url": "https://example.org/", "events": ["published"], "record_types": [1]},
        {
            "url": "https://example.org/",
            "events": ["published"],
            "record_types": ["projects"],
            "secret": "mine",
        },
    ],
)
def test_bad_subscriptions_are_400(admin_a, body, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = admin_client(admin_a).post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400, response.content


def test_an_admin_ends_a_subscription(admin_a, receiver):
    client = admin_client(admin_a)
    made = subscribe(client, receiver.url).json()
    assert client.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 204
    assert client.get(f"/api/v1/webhooks/{made['id']}/").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 404


# --- Deliveries --------------------------------------------------------------------------------


def test_a_publication_is_delivered_signed_with_an_event_id(
    org_a, admin_a, editor_a, reviewer, receiver, django_capture_on_commit_callbacks
):
    secret = subscribe(admin_client(admin_a), receiver.url).json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        project = publish(editor_a, reviewer, Project, org_a)

    (received,) = receiver.received
    headers, body = received["headers"], received["body"]
    assert verify(secret, headers["X-Registry-Signature"], body)
    assert not verify("whsec_wrong", headers["X-Registry-Signature"], body)
    event = json.loads(body)
    assert event["id"] == headers["X-Registry-Event-Id"]
    assert (event["event"], event["type"], event["identifier"]) == (
        "published",
        "projects",
        project.identifier,
    )
    assert event["data"]["identifier"] == project.identifier
    assert event["data"]["workflow_state"] == "published"
    delivery = WebhookDelivery.objects.unscoped("test").get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.response_body == "thanks"


def test_updates_and_archiving_are_events_and_other_types_are_not_sent(
    org_a, admin_a, editor_a, reviewer, receiver, django_capture_on_commit_callbacks
):
    subscribe(admin_client(admin_a), receiver.url, types=("zones",))
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a)  # not subscribed to projects
        zone = publish(editor_a, reviewer, Zone, org_a)
        act(reviewer, zone, "archive", comment="Closed.")
    events = [json.loads(r["body"])["event"] for r in receiver.received]
    assert events == ["published", "archived"]


def test_drafts_and_private_changes_are_never_sent(
    org_a, admin_a, editor_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(admin_client(admin_a), receiver.url, types=("projects", "zones", "contacts"))
    with django_capture_on_commit_callbacks(execute=True):
        record = create(Contact, org_a, editor_a)
        act(editor_a, record, "submit")
    assert receiver.received == []


def test_a_failing_receiver_is_logged_and_replayed(
    org_a, admin_a, editor_a, reviewer, receiver, django_capture_on_commit_callbacks
):
    client = admin_client(admin_a)
    made = subscribe(client, receiver.url).json()
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a)

    log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries/").json()["results"]
    assert [(d["state"], d["response_status"], d["response_body"]) for d in log] == [
        ("pending", 500, "broken")
    ]
    receiver.status = 204
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/webhooks/{made['id']}/deliveries/{log[0]['event_id']}/replay/"
        )
    assert response.status_code == 202
    first, second = receiver.received
    assert first["headers"]["X-Registry-Event-Id"] == second["headers"]["X-Registry-Event-Id"]
    assert first["body"] == second["body"]
    log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries/").json()["results"]
    assert (log[0]["state"], log[0]["attempts"]) == ("succeeded", 2)
    # Nobody else replays it.
    other = admin_client(editor_a)
    url = f"/api/v1/webhooks/{made['id']}/deliveries/{log[0]['event_id']}/replay/"
    assert other.post(url).status_code == 404


@pytest.fixture
def failed_once(org_a, admin_a, editor_a, reviewer, receiver, django_capture_on_commit_callbacks):
    """A publication whose first delivery the receiver refused (503)."""
    subscribe(admin_client(admin_a), receiver.url)
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a)
    return WebhookDelivery.objects.unscoped("test").get()


def test_retries_until_the_receiver_answers(failed_once, receiver):
    delivery = failed_once
    receiver.status = 200
    # The retry names the attempts made before it; a second copy of it (Redis handing a waiting
    # message out twice) finds them moved on and sends nothing.
    assert deliveries.attempt(delivery.pk, attempts_before=1) is True  # what the retry does
    assert deliveries.attempt(delivery.pk, attempts_before=1) is None
    assert deliveries.attempt(delivery.pk) is None  # delivered once: nothing more
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)
    assert len(receiver.received) == 2


def test_a_second_copy_of_a_failed_retry_starts_no_chain_of_its_own(failed_once, receiver):
    delivery = failed_once
    assert deliveries.attempt(delivery.pk, attempts_before=1) is False  # the retry: fails again
    assert deliveries.attempt(delivery.pk, attempts_before=1) is None  # its copy: nothing
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 2)
    assert len(receiver.received) == 2


def test_a_subscription_that_keeps_failing_is_paused_and_its_owner_told(
    org_a, admin_a, editor_a, reviewer, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_PAUSE_AFTER = 2
    made = subscribe(admin_client(admin_a), receiver.url).json()
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a, ref="ONE")
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a, ref="TWO")
        publish(editor_a, reviewer, Project, org_a, ref="THREE")  # paused: not even tried
    subscription = WebhookSubscription.objects.unscoped("test").get(pk=made["id"])
    assert subscription.state == "paused" and subscription.paused_at is not None
    assert len(receiver.received) == 2
    assert any("paused" in m.subject and admin_a.email in m.to for m in mail.outbox)


def test_a_delivery_to_a_private_target_is_refused_at_send_time_too(
    org_a, admin_a, editor_a, reviewer, receiver, settings, django_capture_on_commit_callbacks
):
    subscribe(admin_client(admin_a), receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a)
    assert receiver.received == []
    delivery = WebhookDelivery.objects.unscoped("test").get()
    assert "private" in delivery.error and delivery.state == "pending"


def test_signature_is_hmac_sha256_of_time_dot_body():
    header = webhooks.signature("s3cret", 1700000000, b'{"a":1}')
    expected = hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_the_events_of_public_changes():
    assert webhooks.event_of("submitted", "published") == "published"
    assert webhooks.event_of(None, "published") == "published"
    assert webhooks.event_of("published", "published") == "updated"
    assert webhooks.event_of("published", "archived") == "archived"
    assert webhooks.event_of("draft", "submitted") is None
    assert webhooks.event_of("archived", "archived") is None


def test_deliveries_are_seen_by_the_owners_admins_only(
    org_a, admin_a, editor_a, reviewer, receiver, django_capture_on_commit_callbacks
):
    from registry.tenancy import Actor, visible

    subscribe(admin_client(admin_a), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor_a, reviewer, Project, org_a)
    assert visible(Actor.for_user(admin_a), WebhookDelivery).count() == 1
    assert visible(Actor.for_user(editor_a), WebhookDelivery).count() == 0
    assert visible(Actor.for_user(reviewer), WebhookDelivery).count() == 0
    with rls.system_context("test"):
        assert WebhookDelivery.objects.unscoped("test").count() == 1


def test_the_python_verifier_of_docs_api_md_accepts_our_signature_and_nothing_else():
    """docs/api.md's snippet, run as written."""
    import re
    import time
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()
    section = doc.split("### Verifying a signature", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(snippet, "docs/api.md", "exec"), namespace)
    body, now = b'{"event":"published"}', int(time.time())
    header = webhooks.signature("whsec_doc", now, body)
    assert namespace["verify"]("whsec_doc", header, body)
    assert not namespace["verify"]("whsec_other", header, body)
    assert not namespace["verify"]("whsec_doc", header, body + b" ")
    old = webhooks.signature("whsec_doc", now - 3600, body)
    assert not namespace["verify"]("whsec_doc", old, body)  # too old: a replayed capture


def test_the_javascript_verifier_of_docs_api_md_accepts_our_signature(tmp_path):
    """docs/api.md's Node.js snippet, run as written (skipped where there is no node)."""
    import re
    import shutil
    import subprocess
    import time
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    doc = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()
    section = doc.split("### Verifying a signature", 1)[1]
    snippet = re.search(r"```javascript\n(.*?)```", section, re.S).group(1)
    body, now = b'{"event":"published"}', int(time.time())
    good = webhooks.signature("whsec_doc", now, body)
    script = tmp_path / "verify.js"
    script.write_text(
        snippet
        + "\nconst body = Buffer.from(process.argv[3]);\n"
        + "console.log([verify('whsec_doc', process.argv[2], body),"
        + " verify('whsec_other', process.argv[2], body)].join(','));\n"
    )
    out = subprocess.run(
        [node, str(script), good, body.decode()], capture_output=True, text=True, timeout=30
    )
    assert out.stdout.strip() == "true,false", out.stderr
