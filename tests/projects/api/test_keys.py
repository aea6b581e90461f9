"""API keys: the command, Bearer authentication, the /api-keys/ endpoint (SPEC 6)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.domain import keys
from accounts.models import ApiKey
from projects.models import Project
from registry.models import system_access
from tests.factories import UserFactory, member
from tests.projects.api.conftest import issue
from tests.projects.factories import create


def all_keys():
    return ApiKey.objects.unscoped("test inspection of stored keys")


# --- manage.py create_api_key ---------------------------------------------------------------


def test_command_prints_the_key_alone_on_its_last_line(org_a, editor_a):
    out = StringIO()
    call_command(
        "create_api_key",
        "--user",
        "editor-a",
        "--org",
        "xian",
        "--scopes",
        "read,write",
        "--expires",
        "30",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("srr_") and " " not in raw
    key = keys.authenticate(raw)
    assert key.user == editor_a and key.organization == org_a
    assert key.scopes == ["read", "write"]
    assert key.expires_at > timezone.now() + timedelta(days=29)
    # Only a hash is stored: the secret part appears nowhere in the row.
    stored = all_keys().get(pk=key.pk)
    assert raw not in (stored.key_hash, stored.prefix) and stored.key_hash == keys.hash_key(raw)
    assert raw.split("_")[1] == stored.prefix


@pytest.mark.parametrize(
    "args, message",
    [
        (["--user", "nobody", "--org", "xian"], "No user named"),
        (["--user", "editor-a", "--org", "nowhere"], "No organization"),
        (["--user", "editor-a", "--org", "almaty"], "not a member"),
        (["--user", "editor-a", "--org", "xian", "--scopes", "read,admin"], "Unknown scope"),
        (["--user", "editor-a", "--org", "xian", "--scopes", ""], "at least one scope"),
        (["--user", "editor-a", "--org", "xian", "--expires", "0"], "whole number of days"),
    ],
)
def test_command_refuses_bad_input(org_a, org_b, editor_a, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *args, stdout=StringIO())
    assert not all_keys().exists()


# --- Bearer authentication ------------------------------------------------------------------


def bearer(api, raw):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_key_authenticates_and_narrows_to_its_organization(api, org_a, org_b, editor_a):
    # The user is also a member of B, but the key is A's: B's drafts stay unseen.
    member_b = editor_a
    from tests.factories import MembershipFactory

    MembershipFactory(organization=org_b, user=member_b, role="editor")
    draft_b = create(Project, org_b, member_b, ref="B-DRAFT")
    draft_a = create(Project, org_a, editor_a, ref="A-DRAFT")
    _, raw = issue(editor_a, org_a, "read")
    client = bearer(api, raw)
    listed = [row["identifier"] for row in client.get("/api/v1/projects/").json()["results"]]
    assert listed == [draft_a.identifier]
    assert client.get(f"/api/v1/projects/{draft_b.identifier}/").status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not-a-key",
        "Bearer srr_short_secret",
        "Bearer srr_ABCDEFGH_wrongsecret",
        "Bearer srr_ABCDEFGH_",
    ],
)
def test_malformed_or_unknown_keys_are_401(api, org_a, editor_a, header):
    issue(editor_a, org_a)
    response = api.get("/api/v1/projects/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_secret_for_a_real_prefix_is_401(api, org_a, editor_a):
    key, raw = issue(editor_a, org_a)
    forged = f"srr_{key.prefix}_{'x' * 43}"
    assert bearer(api, forged).get("/api/v1/projects/").status_code == 401


def test_expired_key_is_401(api, org_a, editor_a):
    _, raw = issue(editor_a, org_a, expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(api, raw).get("/api/v1/projects/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_key_is_401(api, org_a, editor_a):
    key, raw = issue(editor_a, org_a)
    keys.revoke(key)
    response = bearer(api, raw).get("/api/v1/projects/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_key_of_inactive_user_is_401(api, org_a, editor_a):
    _, raw = issue(editor_a, org_a)
    editor_a.is_active = False
    editor_a.save()
    assert bearer(api, raw).get("/api/v1/projects/").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(api, org_a, editor_a):
    key, raw = issue(editor_a, org_a)
    client = bearer(api, raw)
    client.get("/api/v1/projects/")
    first = all_keys().get(pk=key.pk).last_used_at
    assert first is not None
    client.get("/api/v1/projects/")
    assert all_keys().get(pk=key.pk).last_used_at == first
    with system_access("test: age the last use"):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/projects/")
    assert all_keys().get(pk=key.pk).last_used_at > first


def test_read_key_cannot_write(api, org_a, editor_a):
    _, raw = issue(editor_a, org_a, "read")
    response = bearer(api, raw).post(
        "/api/v1/projects/", {"title": {"en": "X"}, "category": "other"}, format="json"
    )
    assert response.status_code == 403
    assert "read scope" in response.json()["detail"]
    assert not Project.objects.unscoped("test").exists()


# --- /api/v1/api-keys/ ----------------------------------------------------------------------


def test_anonymous_cannot_list_keys(api, db):
    assert api.get("/api/v1/api-keys/").status_code == 401
    assert api.post("/api/v1/api-keys/", {}, format="json").status_code == 401


def test_create_key_shows_it_once_and_lists_without_it(session_client, org_a, editor_a):
    client = session_client(editor_a)
    response = client.post(
        "/api/v1/api-keys/",
        {"name": "sync job", "scopes": ["read"], "expires_in_days": 90},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    raw = body["key"]
    assert keys.authenticate(raw).prefix == body["prefix"]
    assert body["organization"] == "xian" and body["scopes"] == ["read"]
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert [row["prefix"] for row in listed] == [body["prefix"]]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    detail = client.get(f"/api/v1/api-keys/{body['prefix']}/")
    assert detail.status_code == 200 and "key" not in detail.json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": ["admin"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": "x", "scopes": ["read"], "organization": "almaty"}, "organization"),
        ({"name": "x", "scopes": ["read"], "colour": "red"}, "colour"),
    ],
)
def test_create_key_refuses_bad_input(session_client, org_a, org_b, editor_a, body, field):
    response = session_client(editor_a).post("/api/v1/api-keys/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not all_keys().exists()


def test_key_cannot_mint_wider_or_any_key_with_read_scope(api, org_a, editor_a):
    _, raw = issue(editor_a, org_a, "read")
    response = bearer(api, raw).post(
        "/api/v1/api-keys/", {"name": "x", "scopes": ["read"]}, format="json"
    )
    assert response.status_code == 403
    _, raw_write = issue(editor_a, org_a, "write")
    response = bearer(APIClientFresh(), raw_write).post(
        "/api/v1/api-keys/", {"name": "x", "scopes": ["read", "write"]}, format="json"
    )
    assert response.status_code == 403
    assert all_keys().count() == 2


def APIClientFresh():
    from rest_framework.test import APIClient

    return APIClient()


def test_revoke_by_delete_and_by_post(session_client, api, org_a, editor_a):
    key1, raw1 = issue(editor_a, org_a)
    key2, raw2 = issue(editor_a, org_a)
    client = session_client(editor_a)
    assert client.delete(f"/api/v1/api-keys/{key1.prefix}/").status_code == 204
    response = client.post(f"/api/v1/api-keys/{key2.prefix}/revoke/")
    assert response.status_code == 200 and response.json()["revoked_at"]
    for raw in (raw1, raw2):
        assert bearer(APIClientFresh(), raw).get("/api/v1/projects/").status_code == 401


def test_others_keys_are_not_found(session_client, org_a, org_b, editor_a, editor_b):
    key_b, _ = issue(editor_b, org_b)
    colleague = member(org_a, "editor")
    key_colleague, _ = issue(colleague, org_a)
    client = session_client(editor_a)
    assert client.get(f"/api/v1/api-keys/{key_b.prefix}/").status_code == 404
    assert client.delete(f"/api/v1/api-keys/{key_b.prefix}/").status_code == 404
    assert client.post(f"/api/v1/api-keys/{key_colleague.prefix}/revoke/").status_code == 404
    assert all_keys().filter(revoked_at__isnull=False).count() == 0


def test_org_admin_may_revoke_a_members_key(session_client, org_a, editor_a, admin_a):
    key, _ = issue(editor_a, org_a)
    assert session_client(admin_a).delete(f"/api/v1/api-keys/{key.prefix}/").status_code == 204
    assert all_keys().get(pk=key.pk).revoked_at is not None


def test_member_of_nothing_cannot_create_a_key(session_client, outsider):
    response = session_client(outsider).post(
        "/api/v1/api-keys/", {"name": "x", "scopes": ["read"]}, format="json"
    )
    assert response.status_code == 403


def test_issue_key_refuses_a_non_member(org_b):
    stranger = UserFactory()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        keys.issue_key(stranger, org_b, name="x", scopes="read")


def test_create_key_for_a_chosen_organization(session_client, org_a, org_b, editor_a):
    from tests.factories import MembershipFactory

    MembershipFactory(organization=org_b, user=editor_a, role="viewer")
    response = session_client(editor_a).post(
        "/api/v1/api-keys/?organization=almaty", {"name": "kz", "scopes": ["read"]}, format="json"
    )
    assert response.status_code == 201 and response.json()["organization"] == "almaty"


# --- Keys created by keys, and keys of removed members ----------------------------------------


def create_by_key(raw, **body):
    response = bearer(APIClientFresh(), raw).post(
        "/api/v1/api-keys/", {"name": "child", "scopes": ["read"], **body}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_key_made_by_a_key_expires_no_later_than_its_parent(org_a, editor_a):
    parent, raw = issue(editor_a, org_a, "read,write", expires_at=keys.expiry_in(1))
    never = create_by_key(raw)  # asked for no expiry
    later = create_by_key(raw, expires_in_days=90)
    sooner = create_by_key(raw, expires_in_days=1)
    for child in (never, later):
        assert child["expires_at"] is not None
        assert all_keys().get(prefix=child["prefix"]).expires_at == parent.expires_at
    assert all_keys().get(prefix=sooner["prefix"]).expires_at <= parent.expires_at
    assert all_keys().get(prefix=never["prefix"]).created_by_key == parent


def test_a_key_made_by_a_key_dies_when_its_parent_is_revoked(api, org_a, editor_a):
    parent, raw = issue(editor_a, org_a, "read,write")
    child = create_by_key(raw, scopes=["read", "write"])
    grandchild = create_by_key(child["key"])
    keys.revoke(parent)
    for raw_key in (child["key"], grandchild["key"]):
        response = bearer(APIClientFresh(), raw_key).get("/api/v1/projects/")
        assert response.status_code == 401
    revoked = all_keys().filter(prefix__in=[child["prefix"], grandchild["prefix"]])
    assert all(key.revoked_at is not None for key in revoked)


def test_a_key_made_by_a_key_dies_when_its_parent_expires(org_a, editor_a):
    parent, raw = issue(editor_a, org_a, "read,write")
    child = create_by_key(raw)
    assert bearer(APIClientFresh(), child["key"]).get("/api/v1/projects/").status_code == 200
    with system_access("test: the parent key expires"):
        ApiKey.objects.filter(pk=parent.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(APIClientFresh(), child["key"]).get("/api/v1/projects/")
    assert response.status_code == 401
    assert "key that created this API key has expired" in response.json()["detail"]


def test_a_session_key_has_no_parent(session_client, org_a, editor_a):
    response = session_client(editor_a).post(
        "/api/v1/api-keys/", {"name": "mine", "scopes": ["read"]}, format="json"
    )
    assert all_keys().get(prefix=response.json()["prefix"]).created_by_key is None


def test_removing_a_member_revokes_their_keys_for_that_organization(org_a, org_b, editor_a):
    from accounts.domain import services
    from tests.factories import MembershipFactory

    MembershipFactory(organization=org_b, user=editor_a, role="editor")
    _, raw_a = issue(editor_a, org_a)
    _, raw_b = issue(editor_a, org_b)
    child_a = create_by_key(raw_a)
    services.remove_membership(editor_a, org_a)
    for raw in (raw_a, child_a["key"]):
        assert bearer(APIClientFresh(), raw).get("/api/v1/projects/").status_code == 401
    # Their key for the organization they still belong to keeps working.
    assert bearer(APIClientFresh(), raw_b).get("/api/v1/projects/").status_code == 200
