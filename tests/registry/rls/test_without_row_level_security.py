"""SQLite has no row-level security and no roles: the mechanism stands aside there."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from registry import rls


@pytest.fixture
def sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite pass checks this")


def test_no_roles_on_sqlite(sqlite):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("setup_database_roles", owner="registry_owner", app="registry_app")


def test_contexts_are_no_ops_on_sqlite(sqlite):
    savepoints = list(connection.savepoint_ids)
    with rls.acting(rls.SYSTEM), rls.system_context("nothing to state"):
        assert rls.current() == rls.NOBODY
        assert connection.savepoint_ids == savepoints  # not even a savepoint
