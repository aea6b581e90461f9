"""What the application's database role cannot do, whatever context it states (issue 10).

Connected as the application role: it is no superuser, owns nothing, bypasses no row-level
security, and cannot empty, rewrite or unprotect the audit log or the security event log, not
even in the system context.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from registry import rls

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    """Everything here runs connected as the application role."""


def refused(sql: str) -> bool:
    """Run `sql` in a savepoint, in the system context: True if PostgreSQL refused it."""
    try:
        with (
            rls.system_context("the strongest context the application can state"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    except DatabaseError as error:
        return getattr(error.__cause__, "sqlstate", None) == "42501"  # insufficient privilege
    return False


def one(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def test_the_role_is_no_superuser_owns_nothing_and_bypasses_nothing(as_app_role):
    assert one("SELECT current_user")[0] == as_app_role.app
    assert one(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = current_user"
    ) == (False, False, False, False)
    assert one(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relowner = "
        "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
    ) == (0,)


def test_the_logs_cannot_be_emptied_rewritten_or_unprotected():
    for log in ("projects_auditentry", "accounts_securityevent"):
        assert refused(f"TRUNCATE {log}")
        assert refused(f"UPDATE {log} SET id = id")
        assert refused(f"DELETE FROM {log}")
        assert refused(f"ALTER TABLE {log} DISABLE TRIGGER ALL")
    assert refused("TRUNCATE projects_auditentry CASCADE")
    assert refused("SET session_replication_role = replica")
    assert refused("SET LOCAL session_replication_role = replica")
    assert refused("ALTER TABLE projects_auditentry DISABLE TRIGGER ALL")
    assert refused("DROP TRIGGER projects_auditentry_append_only ON projects_auditentry")


def test_row_level_security_cannot_be_switched_off_nor_tables_made():
    assert refused("ALTER TABLE projects_project NO FORCE ROW LEVEL SECURITY")
    assert refused("ALTER TABLE projects_project DISABLE ROW LEVEL SECURITY")
    assert refused("DROP POLICY projects_project__select ON projects_project")
    assert refused("TRUNCATE projects_project CASCADE")
    assert refused("CREATE TABLE escape_hatch (id int)")
    assert refused("SET ROLE postgres")


def test_the_grants_are_what_the_refusals_above_are_not():
    """The same statements the app may run are not refused (the test above can fail)."""
    assert not refused("SELECT count(*) FROM projects_auditentry")
    assert not refused("UPDATE projects_project SET tags = tags")
