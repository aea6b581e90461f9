"""The application's database role, and the application connected as it (PostgreSQL only).

`database_roles` makes this test database's two roles with `manage.py setup_database_roles`, as
production does; their names derive from the test database's (one pair per xdist worker, since
roles are shared by the whole server) and they are dropped when the session ends.

`as_app_role` reconnects Django's default connection as the application role for the module
that uses it, so that everything in those tests (setup, raw SQL, requests) runs under row-level
security with no superuser in sight; the rest of the suite keeps connecting as `postgres`.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from registry import rls


@dataclass(frozen=True)
class Roles:
    owner: str
    app: str


def _run(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture(scope="session")
def database_roles(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("database roles and row-level security are PostgreSQL's")
    name = connection.settings_dict["NAME"]
    roles = Roles(owner=f"{name}_owner", app=f"{name}_app")
    with django_db_blocker.unblock():
        call_command("setup_database_roles", owner=roles.owner, app=roles.app, stdout=StringIO())
    yield roles
    with django_db_blocker.unblock():
        # A test module elsewhere that imports this fixture makes a second session fixture of
        # the same roles: the first teardown drops them, the others find them gone.
        if not _run("SELECT 1 FROM pg_roles WHERE rolname = %s", [roles.owner]):
            return
        # Ours alone: give the objects back to the session's superuser, then drop the roles.
        searcher = rls.search_role(roles.owner)
        _run(f"REASSIGN OWNED BY {roles.owner}, {searcher} TO CURRENT_USER")
        _run(f"DROP OWNED BY {roles.app}")
        _run(f"DROP OWNED BY {roles.owner}")
        _run(f"DROP OWNED BY {searcher}")
        _run(f"DROP ROLE {roles.app}, {roles.owner}, {searcher}")


def _reconnect_as(user: str) -> None:
    connection.close()
    connection.settings_dict["USER"] = user


@pytest.fixture(scope="module")
def as_app_role(database_roles, django_db_blocker):
    """Django's default connection, for this module, is the application role's."""
    superuser = connection.settings_dict["USER"]
    with django_db_blocker.unblock():
        _reconnect_as(database_roles.app)
        assert _run("SELECT current_user, session_user")[0] == (database_roles.app,) * 2
        try:
            yield database_roles
        finally:
            _reconnect_as(superuser)


@pytest.fixture
def system(db):
    """`with system("why"):` - test setup in the system context (all rows, all writes)."""
    return rls.system_context
