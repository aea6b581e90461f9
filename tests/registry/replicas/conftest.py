"""A read replica for tests: an alias on this machine's PostgreSQL test database itself.

A real replica is a copy of the primary; an alias on the same database is the exactest copy
there is, so the router's rules and the row-level-security settings can be tested without a
second server. The alias is a second, separate connection (a test mirror), so the tests here
commit their rows (`transaction=True`) for the replica's connection to see them.

`UNREACHABLE` is a replica on a port where nothing listens: a replica that was stopped.
"""

from __future__ import annotations

import pytest
from django.db import connections

from tests.registry.rls.conftest import database_roles  # noqa: F401 (the application role)

REPLICA = "replica_test"
UNREACHABLE = "replica_stopped"
ALIASES = ["default", REPLICA, UNREACHABLE]


def _add_aliases() -> None:
    base = dict(connections.settings["default"])
    connections.settings.setdefault(
        REPLICA, {**base, "TEST": {**base["TEST"], "MIRROR": "default"}}
    )
    connections.settings.setdefault(
        UNREACHABLE,
        {
            **base,
            "HOST": "127.0.0.1",
            "PORT": "1",
            "OPTIONS": {**base.get("OPTIONS", {}), "connect_timeout": 1},
            "TEST": {**base["TEST"], "MIRROR": "default"},
        },
    )


# At import, before the test databases are set up: Django then points both at the test database.
_add_aliases()


@pytest.fixture(autouse=True)
def _fresh_process_view():
    """Each test starts with no replica known down and no lag measured (per-process notes)."""
    from registry import db_router

    db_router._down_until.clear()
    db_router._lag_checked_at.clear()
    yield
    db_router._down_until.clear()
    db_router._lag_checked_at.clear()


@pytest.fixture
def replica(settings):
    """Reads may go to the test replica."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("read replicas are PostgreSQL's")
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.REPLICA_STICKY_SECONDS = 10
    yield REPLICA
    connections[REPLICA].close()
