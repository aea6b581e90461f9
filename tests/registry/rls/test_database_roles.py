"""manage.py setup_database_roles: the owner and application roles and their grants (issue 10).

Connected as the superuser that ran the command (the `database_roles` fixture ran it on this
test database); the application role's own view is in test_app_role_privileges.py.
"""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from registry.management.commands.setup_database_roles import append_only_tables

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

APPEND_ONLY = {"projects_auditentry", "accounts_securityevent"}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def rows(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def granted(role: str, table: str) -> set[str]:
    return {
        privilege
        for privilege in TABLE_PRIVILEGES
        if rows("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])[0][0]
    }


def app_tables() -> list[str]:
    return sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})


def test_the_append_only_tables_are_the_models_that_say_so():
    assert set(append_only_tables()) == APPEND_ONLY


def test_the_owner_owns_the_tables_and_the_app_role_may_only_read_and_write_rows(database_roles):
    owners = dict(rows("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"))
    for table in app_tables():
        assert owners[table] == database_roles.owner, table
        expected = (
            {"SELECT", "INSERT"}
            if table in APPEND_ONLY
            else {"SELECT", "INSERT", "UPDATE", "DELETE"}
        )
        assert granted(database_roles.app, table) == expected, table
    assert rows(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname IN (%s, %s)",
        [database_roles.owner, database_roles.app],
    ) == [(False, False), (False, False)]


def test_tables_of_later_migrations_are_granted_by_default(database_roles):
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {database_roles.owner}")
        cursor.execute("CREATE TABLE a_later_migrations_table (id bigint PRIMARY KEY)")
        cursor.execute("RESET ROLE")
    assert granted(database_roles.app, "a_later_migrations_table") == {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    }


def test_running_it_again_changes_nothing(database_roles):
    before = {table: granted(database_roles.app, table) for table in app_tables()}
    call_command("setup_database_roles", owner=database_roles.owner, app=database_roles.app)
    assert {table: granted(database_roles.app, table) for table in app_tables()} == before


def test_it_refuses_to_use_a_superuser_or_one_role_for_both(database_roles):
    superuser = rows("SELECT current_user")[0][0]
    with pytest.raises(CommandError, match="superuser"):
        call_command("setup_database_roles", owner=database_roles.owner, app=superuser)
    with pytest.raises(CommandError, match="two different roles"):
        call_command("setup_database_roles", owner=database_roles.app, app=database_roles.app)
    with pytest.raises(CommandError, match="plain role name"):
        call_command("setup_database_roles", owner="x; DROP TABLE y", app=database_roles.app)
    assert rows("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [superuser]) == [(True,)]
