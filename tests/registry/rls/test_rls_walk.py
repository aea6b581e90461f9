"""Row-level security, walked over every tenant-owned table, as the application's database role.

The tables are found generically (every model with an `organization_id` column), so that a new
tenant-owned model without policies fails here. The ORM's boundary (registry.tenancy) is the
oracle: raw SQL in an actor's context must return exactly the rows the boundary shows that actor,
apart from the differences docs/security.md lists (`COARSER`), and must write no private row of
another organization.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from accounts.models import SisterCityLink
from projects.domain import audit
from projects.domain.boundary import visible_record_events
from projects.models import AuditEntry, Project
from registry import rls
from registry.tenancy import Actor, visible
from tests.registry.rls.world import World, build_world

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

INSUFFICIENT_PRIVILEGE = "42501"  # a row-level security refusal, or a missing grant


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    """Everything here runs connected as the application role."""


@pytest.fixture
def world(db) -> World:
    return build_world()


def tenant_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if any(field.column == "organization_id" for field in model._meta.concrete_fields)
    ]


def raw_ids(model, context: rls.Context) -> set[int]:
    """What raw SQL returns from the model's table in `context`."""
    with rls.acting(context), connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {model._meta.db_table}")
        return {row[0] for row in cursor.fetchall()}


def shown_by_the_boundary(asker: Actor, model) -> set[int]:
    """Every row of `model` the ORM's boundary shows the actor, on any face."""
    with rls.system_context("the oracle reads every row"):
        shown = set(visible(asker, model).values_list("pk", flat=True))
        if model is AuditEntry:
            # The changes feed: approve and archive events of records the actor sees.
            shown |= set(
                visible_record_events(asker, audit.PUBLIC_EVENT_ACTIONS).values_list(
                    "pk", flat=True
                )
            )
        return shown


def coarser(asker: Actor, model) -> set[int]:
    """The rows row-level security shows beyond the ORM (docs/security.md says why)."""
    with rls.system_context("the oracle reads every row"):
        if model is AuditEntry and asker.is_reviewer:
            return set(AuditEntry.objects.unscoped("oracle").values_list("pk", flat=True))
        if model is AuditEntry:
            return set(
                AuditEntry.objects.unscoped("oracle")
                .filter(
                    action__in=["confirm_participation", "decline_participation"],
                    actor_organization_id__in=asker.org_ids,
                )
                .values_list("pk", flat=True)
            )
        if model is Project and asker.org_ids:
            return {
                project.pk
                for project in Project.objects.unscoped("oracle")
                if {int(o) for o in project.shared_with} & asker.org_ids
            }
        if model is SisterCityLink:
            return set(
                SisterCityLink.objects.unscoped("oracle")
                .filter(status="active")
                .values_list("pk", flat=True)
            )
        return set()


def all_ids(model) -> set[int]:
    with rls.system_context("the oracle reads every row"):
        return set(model._default_manager.unscoped("oracle").values_list("pk", flat=True))


def private_rows_of(organization, model) -> set[int]:
    """The organization's rows that nobody outside it sees (not public, not shared)."""
    with rls.system_context("the oracle reads every row"):
        owned = set(
            model._default_manager.unscoped("oracle")
            .filter(organization=organization)
            .values_list("pk", flat=True)
        )
    outsider = Actor.anonymous()
    return owned - shown_by_the_boundary(outsider, model) - coarser(outsider, model)


def actor(user, **kwargs) -> Actor:
    """The boundary's actor for `user` (its memberships read as the request's first step does)."""
    with rls.acting(rls.Context(user_id=user.pk)):
        return Actor.for_user(user, **kwargs)


def actors(world: World) -> dict[str, Actor]:
    return {
        "nobody": Actor.anonymous(),
        "editor of A": actor(world.editor_a),
        "admin of C (a participant of B's draft)": actor(world.admin_c),
        "reviewer": actor(world.reviewer),
        "platform admin": actor(world.platform_admin),
        "read-only API key of A": actor(
            world.editor_a, organization_id=world.org_a.pk, scopes=["read"]
        ),
    }


# --- Every table is covered ------------------------------------------------------------------


def test_every_table_with_an_organization_forces_row_level_security():
    from_the_models = {model._meta.db_table for model in tenant_models()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'organization_id'"
        )
        in_the_database = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "array_agg(p.policyname ORDER BY p.policyname) "
            "FROM pg_class c LEFT JOIN pg_policies p ON p.tablename = c.relname "
            "WHERE c.relname = ANY (%s) GROUP BY 1, 2, 3",
            [sorted(in_the_database | from_the_models)],
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    assert from_the_models == in_the_database
    assert len(from_the_models) >= 13
    for table in sorted(from_the_models):
        enabled, forced, policies = found[table]
        assert enabled and forced, f"{table}: row-level security must be enabled and forced"
        assert {f"{table}__system", f"{table}__select"} <= set(policies), (table, policies)


# --- Reads -----------------------------------------------------------------------------------


# One world per test, every table walked inside it (building the world is the slow part).


def test_raw_sql_returns_what_the_boundary_shows(world):
    askers = actors(world)
    for name, asker in askers.items():
        assert name == "nobody" or asker.is_authenticated and (asker.roles or asker.platform_role)
    wrong = []
    for model in tenant_models():
        for name, asker in askers.items():
            got = raw_ids(model, rls.for_actor(asker))
            expected = shown_by_the_boundary(asker, model)
            extra = coarser(asker, model)
            if not expected <= got <= expected | extra:
                wrong.append(
                    f"{name} on {model._meta.db_table}: missing {sorted(expected - got)}, "
                    f"beyond the boundary {sorted(got - expected - extra)}"
                )
    assert not wrong, "\n".join(wrong)


def test_no_context_and_another_organization_read_none_of_bs_private_rows(world):
    editor_a, admin_b = rls.for_actor(actor(world.editor_a)), rls.for_actor(actor(world.admin_b))
    for model in tenant_models():
        table = model._meta.db_table
        private = private_rows_of(world.org_b, model)
        assert private, f"the world has no private row of B in {table}"
        assert not raw_ids(model, rls.NOBODY) & private, f"{table}: seen with no context"
        assert not raw_ids(model, editor_a) & private, f"{table}: seen by A's editor"
        # B's members do see them: the rows exist and the test can fail.
        assert private <= raw_ids(model, admin_b), f"{table}: hidden from B's admin"


# --- Writes ----------------------------------------------------------------------------------


def _refused_or_untouched(sql: str, params) -> bool:
    """Run one statement in a savepoint: True if PostgreSQL refused it or it touched no row."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount == 0
    except DatabaseError as error:
        assert getattr(error.__cause__, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, error
        return True


def _as_json(model, pk: int) -> dict:
    with rls.system_context("copy a row to try inserting it"), connection.cursor() as cursor:
        table = model._meta.db_table
        cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE id = %s", [pk])
        return json.loads(cursor.fetchone()[0])


def _insert_copy(model, row: dict) -> tuple[str, list]:
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    listed = ", ".join(columns)
    return (
        f"INSERT INTO {table} ({listed}) "
        f"SELECT {listed} FROM json_populate_record(NULL::{table}, %s::json)",
        [json.dumps(row)],
    )


def _try_writing(model, pks, *, insert: bool) -> list[str]:
    """Update, delete and (if `insert`) insert a copy of each row; what went through."""
    table, done = model._meta.db_table, []
    for pk in sorted(pks):
        if not _refused_or_untouched(
            f"UPDATE {table} SET organization_id = organization_id WHERE id = %s", [pk]
        ):
            done.append(f"{table} {pk} updated")
        if not _refused_or_untouched(f"DELETE FROM {table} WHERE id = %s", [pk]):
            done.append(f"{table} {pk} deleted")
        if insert and not _refused_or_untouched(*_insert_copy(model, _as_json(model, pk))):
            done.append(f"{table} {pk} copied")
    return done


def test_no_context_and_another_organization_write_none_of_bs_private_rows(world):
    contexts = {"no context": rls.NOBODY, "A's editor": rls.for_actor(actor(world.editor_a))}
    for model in tenant_models():
        private = private_rows_of(world.org_b, model)
        assert private
        before = all_ids(model)
        for name, context in contexts.items():
            with rls.acting(context):
                assert not _try_writing(model, private, insert=True), name
        assert all_ids(model) == before


def test_another_organization_cannot_change_the_rows_of_b_it_sees(world):
    """Public rows of B (published records, approve events, ...) are read-only to A."""
    context = rls.for_actor(actor(world.editor_a))
    changed = []
    for model in tenant_models():
        with rls.system_context("oracle"):
            of_b = set(
                model._default_manager.unscoped("oracle")
                .filter(organization=world.org_b)
                .values_list("pk", flat=True)
            )
        seen = raw_ids(model, context) & of_b
        with rls.acting(context):
            changed += _try_writing(model, seen, insert=False)
    assert not changed


def test_a_member_writes_their_own_organizations_rows(world):
    """The refusals above are the policies', not a missing grant: B's editor may write B's."""
    with rls.acting(rls.for_actor(actor(world.editor_b))), connection.cursor() as c:
        c.execute(
            "UPDATE projects_project SET tags = tags WHERE id = %s", [world.b_draft_project.pk]
        )
        assert c.rowcount == 1


# --- Authentication before anyone is known ---------------------------------------------------


def test_authentication_reads_the_one_key_named_by_its_prefix(world):
    from accounts.models import ApiKey

    with rls.system_context("oracle"):
        prefixes = set(ApiKey.objects.unscoped("oracle").values_list("prefix", flat=True))
    one = sorted(prefixes)[0]
    with rls.acting(rls.NOBODY), connection.cursor() as cursor:
        cursor.execute("SELECT prefix FROM accounts_apikey")
        assert cursor.fetchall() == []
        with rls.authenticating_key(one):
            cursor.execute("SELECT prefix FROM accounts_apikey")
            assert cursor.fetchall() == [(one,)]
            cursor.execute("UPDATE accounts_apikey SET last_used_at = now()")
            assert cursor.rowcount == 1
        cursor.execute("SELECT prefix FROM accounts_apikey")
        assert cursor.fetchall() == []


def test_a_users_own_memberships_are_readable_once_their_id_is_stated(world):
    with rls.acting(rls.Context(user_id=world.editor_b.pk)), connection.cursor() as cursor:
        cursor.execute("SELECT user_id, organization_id FROM accounts_membership")
        assert cursor.fetchall() == [(world.editor_b.pk, world.org_b.pk)]
