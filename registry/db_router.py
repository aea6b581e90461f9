"""Read replicas (issue 19): reads go to a replica, writes and everything that must see them to
the primary.

`DATABASE_REPLICA_URLS` adds one database alias per streaming replica (`replica1`, ...; listed in
`settings.DATABASE_REPLICAS`). Which alias a read uses is decided once per request by
`registry.middleware.RowLevelSecurityMiddleware` and kept in a context variable here; the router
only reads it:

* outside a request (commands, jobs, migrations, the shell) every query goes to the primary;
* a request that may write (any method but GET, HEAD, OPTIONS: every workflow action, every
  import, every sign-in) uses the primary only;
* read-your-writes: after a user (a session's user, or an API key) wrote, their reads stay on
  the primary for `REPLICA_STICKY_SECONDS`; the marker lives in the shared cache, so it holds
  whichever app server answers next;
* a read inside a transaction the application opened (`transaction.atomic()`, `rls.acting()`,
  `rls.system_context()`) goes to the primary, which is where that transaction's writes and its
  row locks are;
* a replica that cannot be reached is skipped for `REPLICA_RETRY_SECONDS` and the request reads
  from the primary; one more than `REPLICA_MAX_LAG_SECONDS` behind (measured by each process at
  most every `REPLICA_LAG_CHECK_SECONDS`) is skipped until it has caught up.

Row-level security: the request states its actor on every alias it uses
(`registry.rls.state_request_actor` applies it to `request_aliases()`), so a replica's
connection answers under the same policies as the primary's.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE_MARK = "session"

# The alias this request reads from (None: the primary), and how many atomic blocks the
# request itself holds open on the primary (deeper ones are the application's transactions).
_read_alias: ContextVar[str | None] = ContextVar("registry_read_alias", default=None)
_request_depth: ContextVar[int] = ContextVar("registry_request_depth", default=0)
_pinned: ContextVar[bool] = ContextVar("registry_pinned_to_primary", default=False)

# Replicas found unreachable (or too far behind) by this process, until when; and when each
# replica's lag was last measured. Not shared on purpose: it is this process's view of its own
# connections, rebuilt within seconds by any new process.
_down_until: dict[str, float] = {}
_lag_checked_at: dict[str, float] = {}


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def request_aliases() -> list[str]:
    """The aliases the current request queries: the primary, and its replica if it reads one."""
    alias = _read_alias.get()
    return [DEFAULT_DB_ALIAS] if alias is None else [DEFAULT_DB_ALIAS, alias]


def in_application_transaction() -> bool:
    """Has the application opened a transaction on the primary beyond the request's own?"""
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks) > _request_depth.get()


class PrimaryReplicaRouter:
    """Django's database router (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model, **hints):
        alias = _read_alias.get()
        if alias is None or _pinned.get() or in_application_transaction():
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same rows: a replica is a copy of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica replays the primary's WAL, migrations included; it is never migrated itself.
        return db not in replicas()


@contextmanager
def primary() -> Iterator[None]:
    """Read from the primary inside the block (authentication: the key's row is locked there)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


@contextmanager
def reading_from(alias: str | None) -> Iterator[None]:
    """The request's reads go to `alias` (None: the primary) until the block ends."""
    alias_token = _read_alias.set(alias)
    depth_token = _request_depth.set(len(connections[DEFAULT_DB_ALIAS].atomic_blocks))
    try:
        yield
    finally:
        _request_depth.reset(depth_token)
        _read_alias.reset(alias_token)


# --- Which replica, if any, a request reads from ----------------------------------------------


def _identities(request) -> list[str]:
    """Who the request is, as far as read-your-writes needs it, before any view has run.

    An API key is known by its header (DRF authenticates inside the view, too late for the
    choice), a browser by its session's user.
    """
    found = []
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        found.append("key:" + hashlib.sha256(header.encode()).hexdigest()[:32])
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        found.append(f"user:{user.pk}")
    return found


def _sticky_key(identity: str) -> str:
    return f"replica:wrote:{identity}"


def is_sticky(request) -> bool:
    keys = [_sticky_key(identity) for identity in _identities(request)]
    return bool(keys) and bool(cache.get_many(keys))


def note_write(request, response) -> None:
    """After a request that may have written, keep its author's reads on the primary a while."""
    if not replicas() or request.method in SAFE_METHODS or response.status_code >= 400:
        return
    seconds = settings.REPLICA_STICKY_SECONDS
    if seconds > 0:
        cache.set_many({_sticky_key(i): 1 for i in _identities(request)}, timeout=seconds)


def replica_for(request) -> str | None:
    """The replica this request may read from, or None for the primary."""
    if request.method not in SAFE_METHODS:
        return None
    now = time.monotonic()
    candidates = [
        alias for alias in replicas() if _down_until.get(alias, 0) <= now and _caught_up(alias)
    ]
    if not candidates or is_sticky(request):
        return None
    return random.choice(candidates)


def fresh_enough(status: dict, limit: float) -> bool:
    """May reads go to a replica in this state (`replica_status`)? No limit (0): if it answers."""
    if status.get("status") != "ok":
        return False
    lag = status.get("lag_seconds") or 0.0
    return limit <= 0 or lag <= limit


def _caught_up(alias: str) -> bool:
    """Measure the replica's lag at most every REPLICA_LAG_CHECK_SECONDS; skip it while it is
    more than REPLICA_MAX_LAG_SECONDS behind or cannot answer."""
    limit = settings.REPLICA_MAX_LAG_SECONDS
    now = time.monotonic()
    if limit <= 0 or now - _lag_checked_at.get(alias, -1e9) < settings.REPLICA_LAG_CHECK_SECONDS:
        return True
    _lag_checked_at[alias] = now
    if fresh_enough(replica_status(alias), limit):
        return True
    mark_down(alias, settings.REPLICA_LAG_CHECK_SECONDS)
    return False


def mark_down(alias: str, seconds: float | None = None) -> None:
    if seconds is None:
        seconds = settings.REPLICA_RETRY_SECONDS
    _down_until[alias] = time.monotonic() + seconds
    connections[alias].close()


# --- Monitoring -------------------------------------------------------------------------------

LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


def replica_status(alias: str) -> dict:
    """`{"status": "ok", "in_recovery": bool, "lag_seconds": float | None}` or unavailable.

    The lag is 0 when the replica has replayed everything it received, else the age of the
    last transaction it replayed (what a reader may miss). On a server that is no replica
    (a test alias on the primary), in_recovery is false and the lag None.
    """
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except Exception as exc:  # a replica that cannot answer is reported, never a 500
        connections[alias].close()
        return {"status": "unavailable", "error": type(exc).__name__}
    return {
        "status": "ok",
        "in_recovery": bool(in_recovery),
        "lag_seconds": None if lag is None else round(float(lag), 3),
    }
