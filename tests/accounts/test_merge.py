"""Likely duplicate organizations and merging one into another (issue 9)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.domain import duplicates, keys, merging, services
from accounts.models import Membership, Organization, SisterCityLink, SisterCityStatus
from projects.domain import participants as record_participants
from projects.domain import services as record_services
from projects.models import AuditEntry, Participation, Project, Revision, Zone
from registry.tenancy import Actor, NotAllowed, visible
from tests.factories import OrganizationFactory, member
from tests.projects.factories import create, place_in_state

EVERYONE = Actor(platform_role="platform_admin")


@pytest.fixture
def twins(db):
    """Xi'an's city government registered twice, and a third city both are linked with."""
    survivor = OrganizationFactory(
        slug="xian",
        identifier_prefix="CN-XIAN",
        country="CN",
        name={"en": "Xi'an Municipal Government"},
    )
    merged = OrganizationFactory(
        slug="xian-2",
        identifier_prefix="CN-XA",
        country="CN",
        name={"en": "Xian Municipal Government", "zh": "西安市政府"},
    )
    other = OrganizationFactory(slug="almaty", identifier_prefix="KZ-ALA", country="KZ")
    return survivor, merged, other


def test_likely_duplicates_by_registration_number_and_similar_names(twins):
    survivor, merged, other = twins
    OrganizationFactory(
        slug="kz-twin",
        identifier_prefix="KZ-XA",
        country="KZ",
        name={"en": "Xian Municipal Government"},
    )
    rail = OrganizationFactory(
        slug="rail",
        identifier_prefix="CN-RAIL",
        country="CN",
        kind="market_entity",
        name={"en": "Silk Road Rail Co., Ltd."},
        registration_id="914403001922038216",
    )
    rail_again = OrganizationFactory(
        slug="rail-2",
        identifier_prefix="CN-RAIL2",
        country="CN",
        kind="market_entity",
        name={"en": "Heritage trains"},
        registration_id="914403001922038216",
    )
    pairs = {
        (p.first.slug, p.second.slug): p.reasons
        for p in duplicates.likely_duplicates(Organization.objects.all())
    }
    assert pairs[("xian", "xian-2")] == ["similar names (100%)"]
    assert pairs[("rail", "rail-2")] == ["same registration number 914403001922038216"]
    # Another country's "Xian" is not a duplicate; nor is anything of Almaty's.
    assert not any("kz-twin" in pair or "almaty" in pair for pair in pairs)
    assert len(pairs) == 2
    assert rail.pk and rail_again.pk


def test_merge_moves_everything_and_nothing_points_at_the_merged_one(twins):
    survivor, merged, other = twins
    both = member(survivor, "viewer", username="both")
    Membership.objects.unscoped("test setup").create(organization=merged, user=both, role="admin")
    editor = member(merged, "editor", username="merged-editor")
    admin = member(merged, "admin", username="merged-admin")
    key, _ = keys.issue_key(editor, merged, name="sync", scopes="read")
    project = create(Project, merged, editor, ref="TRAIN")
    zone = create(Zone, merged, editor, ref="ZONE")
    record_services.update_record(Actor.for_user(editor), project, {"zones": [zone.identifier]})
    place_in_state(project, "published")
    record_services.update_record(Actor.for_user(editor), project, {"title": {"en": "Revised"}})
    survivor_project = create(Project, survivor, member(survivor, "editor"), ref="OWN")
    record_participants.add_participant(
        Actor.for_user(member(survivor, "admin")), survivor_project, merged, "partner"
    )
    SisterCityLink.objects.unscoped("test setup").create(
        organization=merged, partner=other, proposed_by=admin, status=SisterCityStatus.ACTIVE
    )
    SisterCityLink.objects.unscoped("test setup").create(
        organization=merged, partner=survivor, proposed_by=admin
    )

    result = merging.merge_organizations(
        Actor.for_user(
            member(
                OrganizationFactory(slug="sec", identifier_prefix="SRR", kind="secretariat"),
                "admin",
                platform_role="platform_admin",
            )
        ),
        merged,
        survivor,
    )

    assert result.moved["projects.Project.organization"] == 1
    assert result.moved["accounts.Membership.organization"] == 2  # "both" was settled first
    project.refresh_from_db()
    zone.refresh_from_db()
    key.refresh_from_db()
    assert project.organization == survivor and project.identifier == "CN-XA-TRAIN"
    assert zone.organization == survivor and key.organization == survivor
    roles = dict(
        Membership.objects.unscoped("check")
        .filter(organization=survivor)
        .values_list("user__username", "role")
    )
    assert roles["both"] == "admin" and roles["merged-editor"] == "editor"
    participation = Participation.objects.unscoped("check").get(project=survivor_project)
    assert participation.participant == survivor
    links = SisterCityLink.objects.unscoped("check").all()
    assert [(link.organization, link.partner) for link in links] == [(survivor, other)]
    revision = Revision.objects.unscoped("check").get(object_id=project.pk)
    assert revision.organization == survivor

    merged.refresh_from_db()
    assert (merged.is_active, merged.merged_into) == (False, survivor)
    # Generic: every foreign key to Organization, except the append-only audit log.
    for model, field in merging.organization_references():
        if model is AuditEntry:
            continue
        left = model._base_manager.filter(**{field.name: merged})
        assert not left.exists(), f"{model._meta.label}.{field.name}"
    entry = AuditEntry.objects.unscoped("check").get(action="merge_organization")
    assert entry.organization == survivor
    assert entry.content_type == ContentType.objects.get_for_model(Organization)
    assert "Merged xian-2 (CN-XA) into xian" in entry.comment
    # The old history stays where it was, naming the organization that acted then.
    assert (
        AuditEntry.objects.unscoped("check").filter(organization=merged, action="create").exists()
    )


def test_a_moved_record_stays_at_its_old_url_and_can_be_edited(twins):
    survivor, merged, other = twins
    editor = member(merged, "editor", username="merged-editor")
    project = create(Project, merged, editor, ref="TRAIN")
    platform_admin = member(
        OrganizationFactory(slug="sec", identifier_prefix="SRR", kind="secretariat"), "admin"
    )
    platform_admin.platform_role = "platform_admin"
    platform_admin.save()
    merging.merge_organizations(Actor.for_user(platform_admin), merged, survivor)

    client = APIClient()
    client.force_login(editor)  # their membership moved to the survivor
    response = client.get(f"/api/v1/projects/{project.identifier}/")
    assert response.status_code == 200
    assert response.json()["organization"] == "xian"
    response = client.patch(
        f"/api/v1/projects/{project.identifier}/", {"summary": {"en": "Still here"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.ref == "TRAIN"
    # The merged prefix stays taken: no new organization can collide with the old identifiers.
    with pytest.raises(ValidationError):
        services.create_organization("xa-new", "Xi'an again", "local_government", "CN", "CN-XA")
    # New records of the survivor take its own prefix.
    assert create(Project, survivor, editor, ref="NEW").identifier == "CN-XIAN-NEW"
    assert visible(Actor.anonymous(), Organization).filter(slug="xian-2").count() == 0


def test_merge_is_refused_for_the_wrong_pair_or_the_wrong_person(twins):
    survivor, merged, other = twins
    editor = member(survivor, "admin")
    with pytest.raises(NotAllowed):
        merging.merge_organizations(Actor.for_user(editor), merged, survivor)
    platform_admin = member(
        OrganizationFactory(slug="sec", identifier_prefix="SRR", kind="secretariat"), "admin"
    )
    platform_admin.platform_role = "platform_admin"
    platform_admin.save()
    actor = Actor.for_user(platform_admin)
    with pytest.raises(ValidationError, match="into itself"):
        merging.merge_organizations(actor, survivor, survivor)
    rail = OrganizationFactory(
        slug="rail", identifier_prefix="CN-RAIL", country="CN", kind="market_entity"
    )
    with pytest.raises(ValidationError, match="only organizations of one kind"):
        merging.merge_organizations(actor, rail, survivor)
    merging.merge_organizations(actor, merged, survivor)
    with pytest.raises(ValidationError, match="already merged"):
        merging.merge_organizations(actor, merged, other)


def test_a_collision_without_a_resolver_changes_nothing(twins, monkeypatch):
    survivor, merged, other = twins
    both = member(survivor, "editor", username="both")
    Membership.objects.unscoped("test setup").create(organization=merged, user=both, role="admin")
    create(Project, merged, both, ref="TRAIN")
    monkeypatch.delitem(merging.RESOLVERS, Membership)
    platform_admin = member(
        OrganizationFactory(slug="sec", identifier_prefix="SRR", kind="secretariat"), "admin"
    )
    platform_admin.platform_role = "platform_admin"
    platform_admin.save()
    with pytest.raises(merging.MergeConflict, match="accounts.Membership"):
        merging.merge_organizations(Actor.for_user(platform_admin), merged, survivor)
    merged.refresh_from_db()
    assert merged.is_active and merged.merged_into is None
    assert Project.objects.unscoped("check").get().organization == merged


def test_platform_admins_see_duplicates_and_merge_in_the_admin(client, twins, platform_admin):
    survivor, merged, other = twins
    client.force_login(platform_admin)
    changelist = client.get("/admin/accounts/organization/")
    assert "/admin/accounts/organization/duplicates/" in changelist.content.decode()
    page = client.get("/admin/accounts/organization/duplicates/").content.decode()
    assert "xian-2" in page and "similar names" in page
    url = f"/admin/accounts/organization/merge/?merged={merged.pk}&survivor={survivor.pk}"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Merge xian-2 into xian" in confirm.content.decode()
    response = client.post(
        "/admin/accounts/organization/merge/", {"merged": merged.pk, "survivor": survivor.pk}
    )
    assert response.status_code == 302
    merged.refresh_from_db()
    assert merged.merged_into == survivor
    assert client.get("/admin/accounts/organization/merge/?merged=x&survivor=1").status_code == 404
