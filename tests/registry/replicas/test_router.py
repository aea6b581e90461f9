"""Read replicas (registry.db_router): which alias each read goes to, read-your-writes, the
request's transaction, falling back when a replica is stopped, and row-level security on the
replica's connection (issue 19).

The replica is an alias on the test database itself (conftest.py); the rows are committed so
that its separate connection sees them.
"""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections, transaction
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.domain.keys import issue_key
from accounts.models import Membership, Organization
from registry import db_router, rls
from registry.middleware import RowLevelSecurityMiddleware
from tests.factories import OrganizationFactory, member
from tests.registry.replicas.conftest import ALIASES, REPLICA, UNREACHABLE

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, databases=ALIASES),
]


def where_reads_go(request):
    """A view that tells where a read goes, and what the replica's connection knows."""
    seen = {"read_on": Organization.objects.all().db}
    if db_router.request_aliases()[-1] != "default":
        seen["replica_user"] = rls.current(db_router.request_aliases()[-1]).user_id
    with transaction.atomic():
        seen["in_transaction"] = Organization.objects.all().db
    return JsonResponse(seen)


def call(view, user=None, method="get", **headers):
    request = getattr(RequestFactory(), method)("/", **headers)
    request.user = user or AnonymousUser()
    return RowLevelSecurityMiddleware(view)(request)


def reads(view=where_reads_go, **kwargs) -> dict:
    return json.loads(call(view, **kwargs).content)


@pytest.fixture
def org():
    with rls.system_context("test setup"):
        return OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN")


def test_without_replicas_every_read_is_on_the_primary(org):
    assert reads()["read_on"] == "default"


def test_a_get_reads_from_the_replica_and_a_transaction_from_the_primary(replica):
    seen = reads()
    assert seen["read_on"] == replica
    assert seen["in_transaction"] == "default"


def test_outside_a_request_everything_is_on_the_primary(replica):
    assert Organization.objects.all().db == "default"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_request_that_may_write_reads_from_the_primary(replica, method):
    assert reads(method=method)["read_on"] == "default"


def test_the_actor_is_stated_on_the_replicas_connection(replica, org):
    with rls.system_context("test setup"):
        user = member(org, "editor")
    seen = reads(user=user)
    assert seen["read_on"] == replica
    assert seen["replica_user"] == user.pk
    assert rls.current(replica) == rls.NOBODY  # and only for the request's transaction


def test_after_a_write_the_writer_reads_from_the_primary_for_a_while(replica, org, settings):
    with rls.system_context("test setup"):
        writer, other = member(org, "editor"), member(org, "editor")
    assert reads(user=writer)["read_on"] == replica
    call(lambda request: HttpResponse(status=201), user=writer, method="post")
    assert reads(user=writer)["read_on"] == "default"
    assert reads(user=other)["read_on"] == replica  # only the writer is kept on the primary
    settings.REPLICA_STICKY_SECONDS = 1
    call(lambda request: HttpResponse(status=201), user=writer, method="post")
    time.sleep(1.2)
    assert reads(user=writer)["read_on"] == replica


def test_a_refused_write_changes_nothing_so_it_keeps_nobody_on_the_primary(replica, org):
    with rls.system_context("test setup"):
        writer = member(org, "editor")
    call(lambda request: HttpResponse(status=403), user=writer, method="post")
    assert reads(user=writer)["read_on"] == replica


def test_an_api_key_is_kept_on_the_primary_after_it_wrote(replica):
    header = {"HTTP_AUTHORIZATION": "Bearer srr_abc_secret"}
    call(lambda request: HttpResponse(status=201), method="post", **header)
    assert reads(**header)["read_on"] == "default"
    assert reads(HTTP_AUTHORIZATION="Bearer srr_other_secret")["read_on"] == replica


def test_a_stopped_replica_is_skipped_and_the_primary_answers(settings, org):
    settings.DATABASE_REPLICAS = [UNREACHABLE]
    settings.REPLICA_MAX_LAG_SECONDS = 0  # no lag check: the connection itself is refused
    seen = reads()
    assert seen["read_on"] == "default"
    assert UNREACHABLE in db_router._down_until


@pytest.mark.parametrize(
    "status, limit, usable",
    [
        ({"status": "ok", "in_recovery": True, "lag_seconds": 0.0}, 30, True),
        ({"status": "ok", "in_recovery": True, "lag_seconds": 29.5}, 30, True),
        ({"status": "ok", "in_recovery": True, "lag_seconds": 31.0}, 30, False),
        ({"status": "ok", "in_recovery": True, "lag_seconds": 3600.0}, 0, True),  # no limit
        ({"status": "ok", "in_recovery": False, "lag_seconds": None}, 30, True),
        ({"status": "unavailable", "error": "OperationalError"}, 30, False),
        ({"status": "unavailable", "error": "OperationalError"}, 0, False),
    ],
)
def test_a_replica_too_far_behind_or_silent_is_not_read(status, limit, usable):
    assert db_router.fresh_enough(status, limit) is usable


def test_the_lag_is_measured_at_most_every_few_seconds(replica, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 30
    settings.REPLICA_LAG_CHECK_SECONDS = 60
    assert reads()["read_on"] == replica
    measured = dict(db_router._lag_checked_at)
    assert set(measured) == {replica}
    assert reads()["read_on"] == replica
    assert db_router._lag_checked_at == measured  # not measured again within the interval


def test_a_replica_that_fails_its_lag_check_is_skipped(settings):
    settings.DATABASE_REPLICAS = [UNREACHABLE]
    settings.REPLICA_MAX_LAG_SECONDS = 30
    assert reads()["read_on"] == "default"
    assert UNREACHABLE in db_router._down_until


def test_readyz_reports_each_replicas_state(client, settings):
    settings.DATABASE_REPLICAS = [REPLICA, UNREACHABLE]
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["replicas"][REPLICA] == {"status": "ok", "in_recovery": False, "lag_seconds": None}
    assert body["replicas"][UNREACHABLE]["status"] == "unavailable"


def test_an_api_request_with_a_key_reads_the_list_from_the_replica(replica, org):
    with rls.system_context("test setup"):
        user = member(org, "editor")
        _, raw = issue_key(user, org, name="reader", scopes="read")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = api.get("/api/v1/projects/")
    assert response.status_code == 200
    # The key is found on the primary (where its last use is written), the list on the replica.
    assert any("accounts_apikey" in q["sql"] for q in on_primary.captured_queries)
    assert any("projects_project" in q["sql"] for q in on_replica.captured_queries)
    assert not any("projects_project" in q["sql"] for q in on_primary.captured_queries)


def test_row_level_security_holds_on_the_replica_as_the_application_role(replica, database_roles):
    """The replica's connection, as the least-privilege role, shows a user only what the
    policies allow: the context really is stated there, or it would show nothing at all."""
    with rls.system_context("test setup"):
        mine, theirs = OrganizationFactory(slug="mine"), OrganizationFactory(slug="theirs")
        user = member(mine, "viewer")
        member(theirs, "viewer")
    connections[REPLICA].close()
    superuser = connections[REPLICA].settings_dict["USER"]
    connections[REPLICA].settings_dict["USER"] = database_roles.app
    try:

        def view(request):
            rows = Membership.objects.unscoped("the policies decide here")
            return JsonResponse(
                {
                    "read_on": rows.db,
                    "organizations": sorted(set(rows.values_list("organization_id", flat=True))),
                }
            )

        seen = reads(view, user=user)
        nobody = reads(view)
    finally:
        connections[REPLICA].close()
        connections[REPLICA].settings_dict["USER"] = superuser
    assert seen == {"read_on": REPLICA, "organizations": [mine.pk]}
    assert nobody == {"read_on": REPLICA, "organizations": []}
