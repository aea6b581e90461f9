"""The request's transaction and the context it states (registry.middleware, registry.rls)."""

import importlib
import json
import pkgutil

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.domain.services import add_membership
from accounts.models import Organization
from registry import rls
from registry.middleware import RowLevelSecurityMiddleware
from tests.factories import OrganizationFactory, member

postgres_only = pytest.mark.postgres_only


def through_middleware(view, user):
    request = RequestFactory().get("/")
    request.user = user
    return RowLevelSecurityMiddleware(view)(request)


@postgres_only
def test_the_request_states_its_actor_and_gives_the_previous_context_back(org_a, org_b):
    user = member(org_a, "admin")
    add_membership(user, org_b, "viewer")

    def view(request):
        seen = rls.current()
        return JsonResponse(
            {
                "user": seen.user_id,
                "member_of": sorted(seen.member_of),
                "editor_of": sorted(seen.editor_of),
                "admin_of": sorted(seen.admin_of),
                "system": seen.system,
            }
        )

    before = rls.current()
    response = through_middleware(view, user)
    assert json.loads(response.content) == {
        "user": user.pk,
        "member_of": sorted([org_a.pk, org_b.pk]),
        "editor_of": [org_a.pk],
        "admin_of": [org_a.pk],
        "system": False,
    }
    assert rls.current() == before


@postgres_only
def test_a_streaming_response_is_produced_in_the_requests_context(org_a):
    user = member(org_a, "editor")

    def view(request):
        return StreamingHttpResponse(str(rls.current().user_id) for _ in range(2))

    response = through_middleware(view, user)
    assert rls.current().user_id is None  # the request's transaction is over
    assert b"".join(response.streaming_content) == f"{user.pk}{user.pk}".encode()


@postgres_only
def test_a_server_error_writes_nothing(db):
    def failing(request):
        OrganizationFactory(slug="half-made")
        return HttpResponse(status=500)

    def working(request):
        OrganizationFactory(slug="made")
        return HttpResponse(status=201)

    assert through_middleware(failing, AnonymousUser()).status_code == 500
    assert through_middleware(working, AnonymousUser()).status_code == 201
    assert list(Organization.objects.values_list("slug", flat=True)) == ["made"]


def test_the_liveness_probe_touches_no_database(client):
    """No `db` fixture: any database access here would fail the test."""
    assert client.get("/healthz").status_code == 200


def test_the_readiness_probe_runs_only_its_own_query(client, db):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 200
    assert [query["sql"] for query in queries] == ["SELECT 1"]


# Commands that touch no tenant row, and why.
NOT_SYSTEM_COMMANDS = {
    "setup_database_roles": "manages roles and grants, reads no row",
    "build_dumps": (
        "reads as an anonymous visitor (the public set), which the policies show without a context"
    ),
}


def project_commands():
    for app in ("registry", "accounts", "projects"):
        package = importlib.import_module(f"{app}.management.commands")
        for info in pkgutil.iter_modules(package.__path__):
            yield info.name, importlib.import_module(f"{package.__name__}.{info.name}").Command


@pytest.mark.parametrize("name, command", list(project_commands()), ids=lambda v: str(v))
def test_every_command_acts_in_the_system_context(name, command):
    """A command acts for no user: without the system context it would see no tenant row."""
    assert issubclass(command, rls.SystemCommand) or name in NOT_SYSTEM_COMMANDS, name


def _planner_settings() -> dict[str, str]:
    names = sorted(rls.REQUEST_PLANNER_SETTINGS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
        return dict(zip(names, cursor.fetchone(), strict=True))


# transaction=True: in a test's own transaction the request's transaction is a savepoint, and a
# savepoint keeps a local setting when it is released, which would hide whether it ends.
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_requests_queries_are_planned_serially_without_jit_and_only_the_request(org_a):
    user = member(org_a, "editor")
    server_defaults = _planner_settings()
    assert server_defaults == {"jit": "on", "max_parallel_workers_per_gather": "2"}, (
        "the server's defaults must differ for this test to say anything"
    )

    def view(request):
        return JsonResponse(_planner_settings())

    response = through_middleware(view, user)
    assert json.loads(response.content) == {"jit": "off", "max_parallel_workers_per_gather": "0"}
    assert _planner_settings() == server_defaults
