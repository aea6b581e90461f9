"""The demo records: every state, a pending revision, participations, idempotent."""

import io

import pytest

from accounts.models import PlatformRole
from projects.choices import WorkflowState
from projects.domain import demo, revisions, workflow
from projects.models import RECORD_MODELS, AuditEntry, Participation, Project
from registry.models import system_access
from registry.tenancy import Actor, visible
from tests.factories import OrganizationFactory, member

ORGS = {
    "xian": ("CN-XIAN", "CN", {"requires_signoff": True}),
    "urumqi": ("CN-URUMQI", "CN", {}),
    "almaty": ("KZ-ALA", "KZ", {}),
    "tashkent": ("UZ-TAS", "UZ", {}),
    "samarkand": ("UZ-SAM", "UZ", {}),
    "silk-road-rail": ("CN-SRHRT", "CN", {"kind": "market_entity", "sector": "rail"}),
    "steppe-voyages": ("KZ-STEPPE", "KZ", {"kind": "market_entity", "sector": "tour_operator"}),
    "caravan-assurance": ("UZ-CARAVAN", "UZ", {"kind": "market_entity", "sector": "insurer"}),
    "secretariat": ("SRR", "CN", {"kind": "secretariat"}),
}
PEOPLE = [
    ("xian-admin", "xian", "admin"),
    ("xian-editor", "xian", "editor"),
    ("urumqi-admin", "urumqi", "admin"),
    ("urumqi-editor", "urumqi", "editor"),
    ("almaty-admin", "almaty", "admin"),
    ("almaty-editor", "almaty", "editor"),
    ("tashkent-admin", "tashkent", "admin"),
    ("samarkand-admin", "samarkand", "admin"),
    ("samarkand-editor", "samarkand", "editor"),
    ("rail-admin", "silk-road-rail", "admin"),
    ("tours-admin", "steppe-voyages", "admin"),
    ("insurer-admin", "caravan-assurance", "admin"),
    ("reviewer", "secretariat", "viewer"),
]


def build(slugs=None):
    orgs = {
        slug: OrganizationFactory(slug=slug, identifier_prefix=prefix, country=country, **extra)
        for slug, (prefix, country, extra) in ORGS.items()
        if slugs is None or slug in slugs
    }
    users = {}
    for username, slug, role in PEOPLE:
        if slug in orgs:
            users[username] = member(orgs[slug], role, username=username)
    if "reviewer" in users:
        users["reviewer"].platform_role = PlatformRole.REVIEWER
        users["reviewer"].save()
    return orgs, users


def all_records():
    with system_access("test: the whole demo"):
        return [record for model in RECORD_MODELS for record in model.objects.all()]


@pytest.mark.django_db
def test_seed_records_covers_every_state_and_is_idempotent():
    orgs, users = build()
    out = io.StringIO()
    counts = demo.seed_records(orgs, users, out)
    assert counts == {"created": len(demo.RECORDS), "exists": 0, "missing": 0}, out.getvalue()
    records = all_records()
    assert {r.workflow_state for r in records} == set(WorkflowState.values)
    assert {r.workflow_state for r in records if isinstance(r, Project)} == set(
        WorkflowState.values
    )

    train = next(r for r in records if r.identifier == "CN-XIAN-TRAIN-XIAN-ALMATY")
    assert train.workflow_state == "published"
    assert {change["field"] for change in revisions.diff(train)} == {"summary", "planned_end"}
    queue = workflow.review_queue(Actor.for_user(users["reviewer"]))
    assert train.identifier in [r.identifier for r in queue]
    public = visible(Actor.anonymous(), Project).get(pk=train.pk)
    assert "second season" not in public.summary["en"]

    with system_access("test"):
        statuses = {p.participant.slug: p.status for p in Participation.objects.all()}
        assert AuditEntry.objects.filter(object_id=train.pk, action="signoff").exists()
    assert statuses["almaty"] == "confirmed" and statuses["xian"] == "confirmed"
    assert statuses["steppe-voyages"] == "pending"

    again = demo.seed_records(orgs, users, io.StringIO())
    assert again == {"created": 0, "exists": len(demo.RECORDS), "missing": 0}
    assert len(all_records()) == len(records)


@pytest.mark.django_db
def test_seed_records_skips_missing_organizations():
    orgs, users = build({"xian", "secretariat"})
    out = io.StringIO()
    counts = demo.seed_records(orgs, users, out)
    # Xi'an's own records are created; the train links Urumqi's zone, which is missing.
    identifiers = {r.identifier for r in all_records()}
    assert identifiers == {"CN-XIAN-AIR-XIAN-TASHKENT", "CN-XIAN-VISA-SERVICE"}
    assert counts["created"] == 2
    assert "skipped xian/TRAIN-XIAN-ALMATY" in out.getvalue()


@pytest.mark.django_db
def test_the_demo_looks_like_the_real_cooperation():
    """Issue 18: enough published records for the catalogue, facets, map and statistics, every
    lifecycle, zones drawn as areas, titles in three languages."""
    from projects.choices import ProjectLifecycle, ZoneLifecycle
    from projects.models import Contact, Zone

    orgs, users = build()
    demo.seed_records(orgs, users, io.StringIO())
    records = all_records()
    projects = [r for r in records if isinstance(r, Project)]
    zones = [r for r in records if isinstance(r, Zone)]
    contacts = [r for r in records if isinstance(r, Contact)]
    public = visible(Actor.anonymous(), Project)
    assert public.count() >= 40
    assert len(zones) == 8 and len(contacts) == 20
    assert {p.lifecycle_status for p in projects} == set(ProjectLifecycle.values)
    assert {z.lifecycle_status for z in zones} == set(ZoneLifecycle.values)
    assert {r.workflow_state for r in contacts} >= {"published", "draft", "changes_requested"}
    assert all(z.geometry["type"] == "Polygon" for z in zones)
    names = " ".join(z.name["en"] for z in zones)
    for place in ("Khorgos", "Alashankou", "Kashgar", "Irkeshtam", "Torugart", "Kulma"):
        assert place in names
    in_three = [p for p in public if {"en", "zh", "ru"} <= set(p.title)]
    assert len(in_three) >= 40
    with system_access("test"):
        statuses = set(Participation.objects.values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "declined"}
