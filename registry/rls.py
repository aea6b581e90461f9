"""Row-level security: PostgreSQL's second line behind the ORM's tenant boundary (issue 10).

`registry.tenancy` decides what each actor sees and may do, and every face asks it. This module
makes the database hold the same line, so that a query that lost its scope (a raw query, a missed
`visible()`, a wrong filter) still returns no other organization's private rows and cannot write
them:

* Every table with an `organization_id` column has row-level security ENABLEd and FORCEd, with
  policies that each app creates in its own migrations through `policy_statements`. The policies
  read who is asking through the SQL functions of `CONTEXT_FUNCTIONS` (`registry_member_of()`,
  ...), which read transaction-local settings.
* Each request's transaction first states who is asking (`acting`, from
  `registry.middleware.RowLevelSecurityMiddleware`; the API views state it again once an API key
  has authenticated). A streaming response's content is produced in the same context.
* Background jobs, management commands (`SystemCommand`) and migrations act in the explicit
  system context (`system_context`), which every table's `system` policy lets through.
* Authentication runs before anyone is known: the presented key is found through one narrow
  policy (`authenticating_key`), and a user's own memberships through the memberships policy once
  the user's id is stated.

What this defends against: a bug in the application's scoping. It does not defend against an
attacker who runs arbitrary SQL as the application role, who could state any context; that is
what the least-privilege role (`manage.py setup_database_roles`) and the ORM are for.

SQLite has no row-level security: everything here is a no-op there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from registry import db_router
from registry.tenancy import actor_for_request

# --- Who is asking -------------------------------------------------------------------------


def _array(ids: Iterable[int]) -> str:
    return "{" + ",".join(str(int(i)) for i in sorted(ids)) + "}"


def _parse_array(text: str | None) -> frozenset[int]:
    inner = (text or "").strip("{}")
    return frozenset(int(part) for part in inner.split(",") if part)


@dataclass(frozen=True)
class Context:
    """What the policies know about the asker: the transaction-local `registry.*` settings."""

    user_id: int | None = None
    member_of: frozenset[int] = field(default_factory=frozenset)
    # Where the asker may write records (editor or admin) and manage the organization (admin).
    editor_of: frozenset[int] = field(default_factory=frozenset)
    admin_of: frozenset[int] = field(default_factory=frozenset)
    platform_role: str = ""
    system: bool = False

    def settings(self) -> dict[str, str]:
        return {
            "registry.user_id": "" if self.user_id is None else str(int(self.user_id)),
            "registry.member_of": _array(self.member_of),
            "registry.editor_of": _array(self.editor_of),
            "registry.admin_of": _array(self.admin_of),
            "registry.platform_role": self.platform_role or "",
            "registry.system": "on" if self.system else "",
        }

    @classmethod
    def from_settings(cls, values: dict[str, str | None]) -> Context:
        user_id = values.get("registry.user_id") or ""
        return cls(
            user_id=int(user_id) if user_id else None,
            member_of=_parse_array(values.get("registry.member_of")),
            editor_of=_parse_array(values.get("registry.editor_of")),
            admin_of=_parse_array(values.get("registry.admin_of")),
            platform_role=values.get("registry.platform_role") or "",
            system=values.get("registry.system") == "on",
        )


NOBODY = Context()
SYSTEM = Context(system=True)
SETTING_NAMES = tuple(NOBODY.settings())
KEY_PREFIX_SETTING = "registry.api_key_prefix"
# How a web request's queries are planned (issue 21): serially. Under the policies the planner
# has no statistics for a condition that is not leakproof (a country filter's jsonb `@>`), so it
# guesses a few hundred matches where there are thousands and picks a parallel walk of the sort
# index whose workers over-read: 323 ms for bench/run.py's `filtered` case
# (`?country=KZ&category=tourism_train&lifecycle_status=implementation`) at 1M, 35 ms serially.
# A web request is short and its server runs several at once on few cores, where parallel
# workers only take CPU from the other requests. Serial plans cost more in the planner's units,
# which put the export's language query over `jit_above_cost`: 500 ms of compiling for a 60 ms
# query at 10k. A request's queries are too short to win back JIT's compile time, so it is off
# too. Jobs and commands keep the server's defaults.
REQUEST_PLANNER_SETTINGS = {"max_parallel_workers_per_gather": "0", "jit": "off"}


def for_actor(actor) -> Context:
    """The context of a `registry.tenancy.Actor`.

    A read-only API key names no organization to write for: the policies then refuse its writes
    as the ORM does.
    """
    writes = actor.can_write()
    return Context(
        user_id=actor.user_id,
        member_of=frozenset(actor.org_ids),
        # The boundary's levels (registry.tenancy.LEVELS): editor includes admin.
        editor_of=frozenset(actor.orgs_where("editor") if writes else ()),
        admin_of=frozenset(actor.orgs_where("admin") if writes else ()),
        platform_role=actor.platform_role or "",
    )


def state_request_actor(request, using: str | None = None) -> None:
    """State the request's actor to the database for the rest of the current transaction.

    In two steps: the user's id alone first, which lets the memberships policy show the user
    their own memberships, from which the actor is computed; then the whole actor. Without
    `using`, on every alias the request queries (the primary and its read replica, if any:
    registry.db_router), so that the policies hold on the replica's connection too.
    """
    aliases = [using] if using is not None else db_router.request_aliases()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        for alias in aliases:
            apply(Context(user_id=user.pk), alias)
    context = for_actor(actor_for_request(request))
    for alias in aliases:
        apply(context, alias, planner=REQUEST_PLANNER_SETTINGS)


def enabled(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


# --- Stating it to the database --------------------------------------------------------------


def _set(connection, values: dict[str, str], *, local: bool) -> None:
    sql = "SELECT " + ", ".join("set_config(%s, %s, %s)" for _ in values)
    params: list = []
    for name, value in values.items():
        params += [name, value, local]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def apply(
    context: Context, using: str = DEFAULT_DB_ALIAS, *, planner: dict[str, str] | None = None
) -> None:
    """State `context` for the rest of the current transaction (`set_config(..., true)`), with
    `planner`'s settings in the same statement."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        # Outside a transaction each statement commits alone and the setting would vanish at once.
        raise RuntimeError("rls.apply() needs a transaction: use rls.acting() or atomic()")
    _set(connection, {**context.settings(), **(planner or {})}, local=True)


def current(using: str = DEFAULT_DB_ALIAS) -> Context:
    """The context the database sees now."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return NOBODY
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s, true)" for _ in SETTING_NAMES),
            list(SETTING_NAMES),
        )
        row = cursor.fetchone()
    return Context.from_settings(dict(zip(SETTING_NAMES, row, strict=True)))


def _healthy(connection) -> bool:
    """Can the connection still run a statement (no failed transaction pending)?"""
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status != TransactionStatus.INERROR


@contextmanager
def scope(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A transaction (a savepoint when nested) in which the caller states a context.

    A nested block gives the enclosing context back when it ends; a block that fails rolls back
    to its savepoint, which undoes its settings too.
    """
    if not enabled(using):
        yield
        return
    connection = connections[using]
    nested = connection.in_atomic_block
    with transaction.atomic(using=using):
        previous = current(using) if nested else None
        yield
        # A block marked for rollback (a failed request) undoes its settings with its savepoint.
        if previous is not None and not connection.needs_rollback:
            apply(previous, using)


@contextmanager
def acting(context: Context, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in a transaction (a savepoint when nested) whose context is `context`."""
    with scope(using):
        apply(context, using)
        yield


@contextmanager
def system_context(reason: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let the block act for no single user: background jobs, commands, migrations, and the few
    steps of a request that maintain data its actor may not read (each says why).

    Inside a transaction the setting is transaction-local and the previous context comes back
    afterwards. Outside one (a management command, `migrate`) it holds for the connection's
    session until the block ends, so that the command's own transactions need no change.
    """
    if not reason or not reason.strip():
        raise ValueError("system_context() needs a reason, so that every bypass is explained")
    if not enabled(using):
        yield
        return
    connection = connections[using]
    if connection.in_atomic_block:
        with acting(SYSTEM, using):
            yield
        return
    previous = current(using)
    _set(connection, SYSTEM.settings(), local=False)
    try:
        yield
    finally:
        if connection.connection is not None and not connection.in_atomic_block:
            _set(connection, previous.settings(), local=False)


def start_session_system_context(using: str = DEFAULT_DB_ALIAS) -> None:
    """The connection acts in the system context until `end_session_system_context` (migrate)."""
    if enabled(using):
        _set(connections[using], SYSTEM.settings(), local=False)


def end_session_system_context(using: str = DEFAULT_DB_ALIAS) -> None:
    if enabled(using) and connections[using].connection is not None:
        _set(connections[using], NOBODY.settings(), local=False)


@contextmanager
def authenticating_key(prefix: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let the block read and touch the one API key with this public prefix (authentication).

    The secret is still checked against the stored hash by the caller; the policy only lets the
    lookup find the row before anyone is known.
    """
    if not enabled(using):
        yield
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        with transaction.atomic(using=using), authenticating_key(prefix, using):
            yield
        return
    _set(connection, {KEY_PREFIX_SETTING: prefix}, local=True)
    try:
        # The setting is on this connection: the lookup must not wander to a read replica.
        with db_router.primary():
            yield
    finally:
        if _healthy(connection):
            _set(connection, {KEY_PREFIX_SETTING: ""}, local=True)


INVITATION_TOKEN_SETTING = "registry.invitation_token_hash"


@contextmanager
def presenting_invitation(token_hash: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let the block read and mark the one invitation whose token hashes to `token_hash`.

    The invitation page is opened before anyone is known (issue 17): like `authenticating_key`,
    one narrow policy (accounts/migrations/0008) lets the lookup find that row, and no other.
    """
    if not enabled(using):
        yield
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        with transaction.atomic(using=using), presenting_invitation(token_hash, using):
            yield
        return
    _set(connection, {INVITATION_TOKEN_SETTING: token_hash}, local=True)
    try:
        yield
    finally:
        if _healthy(connection):
            _set(connection, {INVITATION_TOKEN_SETTING: ""}, local=True)


def stream_in_context(context: Context, content: Iterable, using: str = DEFAULT_DB_ALIAS):
    """Produce a streaming response's content in `context`, in a transaction of its own.

    The request's transaction has ended by the time the server reads the body.
    """
    with acting(context, using):
        yield from content


class SystemCommand(BaseCommand):
    """A management command that acts for no single user: it runs in the system context."""

    def execute(self, *args, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        with system_context(f"manage.py {name} acts for no single user"):
            return super().execute(*args, **options)


# --- The SQL: context functions and policies -------------------------------------------------

# The functions the policies call. STABLE SQL functions: the planner inlines them, so an index on
# organization_id serves `organization_id = ANY (registry_member_of())`. A malformed setting makes
# the cast fail, which fails the query: closed, never open.
CONTEXT_FUNCTIONS = {
    "registry_user_id": (
        "bigint",
        "SELECT nullif(current_setting('registry.user_id', true), '')::bigint",
    ),
    **{
        f"registry_{name}": (
            "bigint[]",
            f"SELECT coalesce(nullif(current_setting('registry.{name}', true), '')::bigint[], "
            "'{}'::bigint[])",
        )
        for name in ("member_of", "editor_of", "admin_of")
    },
    "registry_platform_role": (
        "text",
        "SELECT coalesce(current_setting('registry.platform_role', true), '')",
    ),
    "registry_is_system": (
        "boolean",
        "SELECT coalesce(current_setting('registry.system', true), '') = 'on'",
    ),
    "registry_api_key_prefix": (
        "text",
        f"SELECT nullif(current_setting('{KEY_PREFIX_SETTING}', true), '')",
    ),
}


def context_function_statements() -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS {returns} "
        f"LANGUAGE sql STABLE PARALLEL SAFE AS $$ {body} $$"
        for name, (returns, body) in CONTEXT_FUNCTIONS.items()
    ]


def drop_context_function_statements() -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {name}()" for name in CONTEXT_FUNCTIONS]


_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _identifier(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


# Expressions the apps' policies are built from.
REVIEWER = "registry_platform_role() = 'reviewer'"
PLATFORM_ADMIN = "registry_platform_role() = 'platform_admin'"
SYSTEM_ONLY = "registry_is_system()"


def in_organizations(column: str, which: str) -> str:
    """`column` names one of the asker's organizations: which = member_of, editor_of, admin_of."""
    if which not in ("member_of", "editor_of", "admin_of"):
        raise ValueError(which)
    return f"{_identifier(column)} = ANY (registry_{which}())"


def is_user(column: str) -> str:
    return f"{_identifier(column)} = registry_user_id()"


def one_of(column: str, values: Iterable[str]) -> str:
    values = list(values)
    if not values or not all(_NAME.match(value) for value in values):
        raise ValueError(f"state names must be plain words: {values!r}")
    return f"{_identifier(column)} IN ({', '.join(repr(value) for value in values)})"


def any_of(*expressions: str) -> str:
    return "(" + " OR ".join(f"({e})" for e in expressions) + ")"


def all_of(*expressions: str) -> str:
    return "(" + " AND ".join(f"({e})" for e in expressions) + ")"


def _drop_all_policies(table: str) -> str:
    """Drop every policy on `table`, so that `policy_statements` may run again to replace them."""
    return (
        "DO $$ DECLARE p record; BEGIN "
        "FOR p IN SELECT policyname FROM pg_policies "
        f"WHERE schemaname = current_schema() AND tablename = '{table}' LOOP "
        f"EXECUTE format('DROP POLICY %I ON {table}', p.policyname); "
        "END LOOP; END $$"
    )


def policy_statements(
    table: str,
    *,
    read: str,
    insert: str | None = None,
    update: str | None = None,
    delete: str | None = None,
    extra: Iterable[tuple[str, str, str | None, str | None]] = (),
) -> list[str]:
    """ENABLE and FORCE row-level security on `table` and (re)create all its policies.

    * `read` (SELECT USING): the rows the asker sees; platform admins see every row (SPEC 3);
    * `insert` (INSERT WITH CHECK): the rows the asker may add;
    * `update` (UPDATE WITH CHECK): what a changed row may become. The rows that may be changed
      (and locked with SELECT ... FOR UPDATE) are the readable ones, so that a visible row the
      asker may not change still gets its 403 or 409 from the application, not a silent 404;
    * `delete` (DELETE USING): the rows the asker may delete;
    * `extra`: (name, command, USING, WITH CHECK) of a narrow policy with a purpose of its own.

    None means nobody but the system context: every table gets a `system` policy.
    """
    table = _identifier(table)
    readable = any_of(read, PLATFORM_ADMIN)
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        _drop_all_policies(table),
        f"CREATE POLICY {table}__system ON {table} "
        f"USING ({SYSTEM_ONLY}) WITH CHECK ({SYSTEM_ONLY})",
        f"CREATE POLICY {table}__select ON {table} FOR SELECT USING {readable}",
    ]
    if insert is not None:
        statements.append(
            f"CREATE POLICY {table}__insert ON {table} FOR INSERT WITH CHECK ({insert})"
        )
    if update is not None:
        statements.append(
            f"CREATE POLICY {table}__update ON {table} FOR UPDATE "
            f"USING {readable} WITH CHECK ({update})"
        )
    if delete is not None:
        statements.append(f"CREATE POLICY {table}__delete ON {table} FOR DELETE USING ({delete})")
    for name, command, using, check in extra:
        if command not in ("ALL", "SELECT", "INSERT", "UPDATE", "DELETE"):
            raise ValueError(command)
        clauses = (f" USING ({using})" if using else "") + (
            f" WITH CHECK ({check})" if check else ""
        )
        statements.append(
            f"CREATE POLICY {table}__{_identifier(name)} ON {table} FOR {command}{clauses}"
        )
    return statements


def drop_policy_statements(table: str) -> list[str]:
    table = _identifier(table)
    return [
        _drop_all_policies(table),
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def run_on_postgresql(statements: Callable[[], Iterable[str]]) -> Callable:
    """A RunPython function running `statements()` on PostgreSQL; SQLite has no RLS."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements():
            schema_editor.execute(statement, params=None)

    return run


# --- Functions that see past the policies ------------------------------------------------------
#
# PostgreSQL will not use an index for a condition that is not leakproof (LIKE, full-text @@)
# on a table under row-level security: it must check the policy first, row by row. A search
# therefore asks a SECURITY DEFINER function for the ids that match, through the indexes (or,
# when they are many, for the identifier where they start), and the ORM reads the rows through
# the policies as every other query does (issue 21). The
# function's owner is the *search role*: no login, BYPASSRLS, SELECT on the searched tables and
# nothing else, so the function is the only way to use it.
SEARCH_ROLE_SUFFIX = "_search"
# Name -> argument types of every function that runs as the search role.
SEARCH_FUNCTIONS = {
    "registry_search_ids": "text, text, text, integer",
    "registry_search_start": "text, text, text, integer",
}
# The tables those functions read (the search role's only privilege).
SEARCHED_TABLES = ("projects_project", "projects_zone", "projects_contact")


def search_role(owner: str) -> str:
    return _identifier(f"{owner}{SEARCH_ROLE_SUFFIX}")


def hand_to_search_role_statement(function: str) -> str:
    """Give `function` to the search role of whoever runs the migration, when there is one
    (`setup_database_roles` makes it and lets the owner hand functions to it); without one (a
    superuser migrates, as in development and tests) the function stays the superuser's."""
    signature = f"{_identifier(function)}({SEARCH_FUNCTIONS[function]})"
    role = f"current_user || '{SEARCH_ROLE_SUFFIX}'"
    return (
        "DO $$ BEGIN "
        f"IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {role}) "
        f"THEN EXECUTE format('ALTER FUNCTION {signature} OWNER TO %I', {role}); "
        "END IF; END $$"
    )
