"""List pages read rows, not model instances (registry.fast_rows, issue 11): the same JSON anyway.

A list reads its page with `fast_values` (orjson and psycopg's C loaders on PostgreSQL), makes
records with `registry.fast_rows.instance` and attaches links with one query per kind; the detail
route reads a full model instance through the ORM. Every item of every list, for every kind
of viewer, must equal the record's detail answer: same fields, same private or public
metadata, same participants and links, nothing of another organization's drafts.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from projects.api import serializers as s
from projects.domain import participants
from projects.models import Contact, Participation, Project, ProjectRelation, Zone
from registry import rls
from registry.fast_rows import fast_values
from registry.tenancy import Actor, visible
from tests.projects.factories import create
from tests.registry.rls.world import build_world, publish

LISTS = {Project: "/api/v1/projects/", Zone: "/api/v1/zones/", Contact: "/api/v1/contacts/"}


@pytest.fixture
def world(db):
    world = build_world()
    with rls.system_context("test setup: published records with every kind of link"):
        editor, reviewer = world.editor_b, world.reviewer
        zone = publish(create(Zone, world.org_b, editor), editor, reviewer)
        other = publish(create(Project, world.org_b, editor), editor, reviewer)
        project = create(
            Project,
            world.org_b,
            editor,
            title={"en": "Almaty-Tashkent tour", "zh": "阿拉木图-塔什干", "ru": "Тур"},
            zones=[zone.identifier],
            related_projects=[
                {"identifier": other.identifier, "kind": "parent"},
                {"identifier": world.b_draft_project.identifier, "kind": "sibling"},
            ],
            budget_amount="1234.50",
            documents=[{"title": "Plan", "url": "https://example.org/plan.pdf"}],
        )
        participants.add_participant(Actor.for_user(editor), project, world.org_a, "partner")
        answered = participants.add_participant(
            Actor.for_user(editor), project, world.org_c, "funder"
        )
        participants.respond_participation(Actor.for_user(world.admin_c), answered, accept=False)
        publish(project, editor, reviewer)
        publish(
            create(
                Contact,
                world.org_b,
                editor,
                zones=[zone.identifier],
                projects=[other.identifier, project.identifier],
            ),
            editor,
            reviewer,
        )
    return world


def viewers(world):
    return {
        "anonymous": None,
        "editor of A": world.editor_a,
        "editor of B (the owner)": world.editor_b,
        "admin of C (a participant)": world.admin_c,
        "reviewer": world.reviewer,
        "platform admin": world.platform_admin,
    }


@pytest.mark.parametrize("model", list(LISTS), ids=lambda model: model.__name__)
def test_every_list_item_equals_the_records_detail_for_every_viewer(world, model):
    checked = 0
    for name, user in viewers(world).items():
        client = APIClient()
        if user is not None:
            client.force_login(user)
        response = client.get(LISTS[model], {"page_size": 500})
        assert response.status_code == 200, (name, response.content)
        items = response.json()["results"]
        assert items, f"{name} sees no {model.__name__} at all"
        for item in items:
            detail = client.get(f"{LISTS[model]}{item['identifier']}/")
            assert detail.status_code == 200, (name, item["identifier"])
            assert item == detail.json(), f"{name}: {item['identifier']}"
            checked += 1
    assert checked > len(viewers(world))


def test_a_list_shows_the_links_a_viewer_may_see_and_no_other(world):
    project = visible(Actor.anonymous(), Project).get(title__en="Almaty-Tashkent tour")
    row = next(
        item
        for item in APIClient().get(LISTS[Project]).json()["results"]
        if item["identifier"] == project.identifier
    )
    # The relation to B's draft is B's business; the declined participation stays listed.
    assert [relation["kind"] for relation in row["related_projects"]] == ["parent"]
    assert {(item["role"], item["status"]) for item in row["participants"]} >= {
        ("partner", "pending"),
        ("funder", "declined"),
    }
    assert len(row["zones"]) == 1
    assert row["budget_amount"] == "1234.50"


def test_fast_values_reads_what_the_orm_reads(world):
    """Every column of every record type, JSON, times, decimals and nulls included."""
    for model in LISTS:
        scoped = visible(Actor.for_user(world.platform_admin), model).order_by("pk")
        columns = [field.attname for field in model._meta.concrete_fields]
        fast = list(fast_values(scoped, *columns, "organization__slug"))
        plain = list(scoped.values(*columns, "organization__slug"))
        assert fast == plain and len(fast) >= 3
    kinds = {type(value) for row in fast for value in row.values()}
    assert {datetime.datetime, list, dict, str, int} <= kinds


def test_fast_values_of_an_empty_list_of_ids_reads_nothing(world):
    scoped = visible(Actor.for_user(world.platform_admin), Participation)
    assert list(fast_values(scoped.filter(project_id__any=[]), "id")) == []


def test_the_any_lookup_matches_in(world):
    actor = Actor.for_user(world.platform_admin)
    ids = list(visible(actor, Project).values_list("pk", flat=True))[:3]
    by_any = visible(actor, Participation).filter(project_id__any=ids).order_by("pk")
    by_in = visible(actor, Participation).filter(project_id__in=ids).order_by("pk")
    assert list(by_any) == list(by_in) and by_in.exists()
    assert list(visible(actor, Zone).filter(projects__any=ids)) == list(
        visible(actor, Zone).filter(projects__in=ids)
    )


def test_a_page_of_500_costs_the_queries_of_a_page_of_5(world):
    """Rows, links and revisions: one query each, whatever the page holds."""
    client = APIClient()
    client.force_login(world.editor_b)
    client.get(LISTS[Project], {"page_size": 5})  # the session and the user, read once warm
    with CaptureQueriesContext(connection) as small:
        client.get(LISTS[Project], {"page_size": 5})
    for number in range(20):
        create(Project, world.org_b, world.editor_b, title={"en": f"More {number}"})
    with CaptureQueriesContext(connection) as large:
        response = client.get(LISTS[Project], {"page_size": 500})
    assert len(response.json()["results"]) > 20
    assert len(large.captured_queries) == len(small.captured_queries)


def _with_links(actor, record):
    """The record as the serializers read it: its visible links attached (as the views do)."""
    if isinstance(record, Project):
        record.visible_zones = list(visible(actor, Zone).filter(projects=record))
        record.visible_relations = list(
            visible(actor, ProjectRelation).filter(project=record).select_related("related")
        )
        record.visible_participations = list(
            visible(actor, Participation).filter(project=record).select_related("participant")
        )
    elif isinstance(record, Contact):
        record.visible_zones = list(visible(actor, Zone).filter(contacts=record))
        record.visible_projects = list(visible(actor, Project).filter(contacts=record))
    return record


@pytest.mark.parametrize("model", list(LISTS), ids=lambda model: model.__name__)
def test_the_generated_row_renders_what_drfs_own_field_loop_renders(world, model):
    """compile_row (one generated function per serializer class) against DRF's
    Serializer.to_representation, on ORM instances: the same JSON, byte for byte, for every
    field of every record and participation, nulls, times, decimals and nested lists included."""
    actor = Actor.for_user(world.platform_admin)
    serializer_class = {Project: s.ProjectSerializer, Zone: s.ZoneSerializer}.get(
        model, s.ContactSerializer
    )
    renderer = JSONRenderer()
    records = [_with_links(actor, record) for record in visible(actor, model).order_by("pk")]
    serializer = serializer_class(context={"revisions": {}})
    participations = [
        p for record in records for p in getattr(record, "visible_participations", [])
    ]
    pairs = [(serializer, record) for record in records]
    pairs += [(s.ParticipantSerializer(), participation) for participation in participations]
    for used, instance in pairs:
        generated = renderer.render(s.compile_row(used)(instance))
        drf = renderer.render(serializers.Serializer.to_representation(used, instance))
        assert generated == drf, instance
    assert len(records) >= 3
    if model is Project:
        assert len(participations) >= 2
        assert any(record.budget_amount is not None for record in records)


@pytest.mark.postgres_only
def test_a_participations_project_is_checked_row_by_row_for_every_caller(world):
    """The project check stays a probe per participation (boundary.ExistsRowByRow): as a
    semi-join, the planner hashed every project's row to check one page's participations."""
    ids = list(Participation.objects.unscoped("test").values_list("project_id", flat=True))
    for user in (None, world.editor_a, world.reviewer):
        actor = Actor.for_user(user) if user is not None else Actor.anonymous()
        scoped = visible(actor, Participation).filter(project_id__any=ids)
        sql, params = scoped.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "SubPlan" in plan and "Semi Join" not in plan, plan
        assert sorted(p.pk for p in scoped) == sorted(
            p.pk for p in visible(actor, Participation) if p.project_id in ids
        )
