"""Participants from other organizations confirm or decline (SPEC 4)."""

import pytest
from django.core.exceptions import ValidationError

from projects.domain import participants
from projects.domain.errors import InvalidTransition
from projects.models import AuditEntry, Participation, Project
from registry.tenancy import Actor, NotAllowed, NotVisible, visible
from tests.factories import OrganizationFactory, member
from tests.projects.factories import create


@pytest.fixture
def project(org_a, editor_a):
    return create(Project, org_a, editor_a)


@pytest.fixture
def almaty_admin(org_b):
    return member(org_b, "admin", username="almaty-admin", email="admin@almaty.example")


def add(editor_a, project, organization, role="partner"):
    return participants.add_participant(Actor.for_user(editor_a), project, organization, role)


def test_own_participation_is_confirmed_at_once(org_a, editor_a, project, mailoutbox):
    participation = add(editor_a, project, org_a, "lead")
    assert participation.is_confirmed
    assert participation.responded_by == editor_a


def test_other_organization_must_confirm(
    org_b, editor_a, project, almaty_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participation = add(editor_a, project, org_b)
    assert participation.status == "pending" and participation.get_status_display() == (
        "Unconfirmed"
    )
    assert [m.to for m in mailoutbox] == [["admin@almaty.example"]]
    inbox = participants.participation_inbox(Actor.for_user(almaty_admin))
    assert [p.pk for p in inbox] == [participation.pk]

    with django_capture_on_commit_callbacks(execute=True):
        answered = participants.respond_participation(
            Actor.for_user(almaty_admin), participation, accept=True
        )
    assert answered.is_confirmed and answered.responded_by == almaty_admin
    assert [m.to for m in mailoutbox][-1] == ["editor@xian.example"]
    assert list(participants.participation_inbox(Actor.for_user(almaty_admin))) == []
    actions = AuditEntry.objects.unscoped("test").filter(object_id=project.pk)
    assert "confirm_participation" in set(actions.values_list("action", flat=True))


def test_decline(org_b, editor_a, project, almaty_admin):
    participation = add(editor_a, project, org_b)
    answered = participants.respond_participation(
        Actor.for_user(almaty_admin), participation, accept=False
    )
    assert answered.status == "declined"
    with pytest.raises(InvalidTransition):
        participants.respond_participation(Actor.for_user(almaty_admin), participation, accept=True)
    # A declined request may be made again.
    again = add(editor_a, project, org_b)
    assert again.status == "pending"


def test_only_the_participants_admins_respond(org_a, org_b, editor_a, project):
    participation = add(editor_a, project, org_b)
    almaty_editor = member(org_b, "editor")
    with pytest.raises(NotAllowed):
        participants.respond_participation(Actor.for_user(almaty_editor), participation, True)
    # The owner cannot confirm on the participant's behalf.
    owner_admin = member(org_a, "admin")
    with pytest.raises(NotAllowed):
        participants.respond_participation(Actor.for_user(owner_admin), participation, True)
    # A third organization does not even see the request for a draft project.
    stranger = member(OrganizationFactory(slug="tashkent", identifier_prefix="UZ-TAS"), "admin")
    with pytest.raises(NotVisible):
        participants.respond_participation(Actor.for_user(stranger), participation, True)
    participation.refresh_from_db()
    assert participation.status == "pending"


def test_viewer_cannot_add_participants(org_a, org_b, project):
    with pytest.raises(NotAllowed):
        add(member(org_a, "viewer"), project, org_b)
    assert not visible(Actor.for_user(member(org_a, "admin")), Participation).exists()


def test_invalid_role_and_duplicates(org_b, editor_a, project):
    with pytest.raises(ValidationError) as error:
        add(editor_a, project, org_b, "sponsor")
    assert "role" in error.value.message_dict
    add(editor_a, project, org_b)
    with pytest.raises(ValidationError) as error:
        add(editor_a, project, org_b)
    assert "already takes part" in error.value.message_dict["organization"][0]


def test_inactive_organization_cannot_be_named(editor_a, project):
    closed = OrganizationFactory(slug="closed", identifier_prefix="KZ-CLOSED", is_active=False)
    with pytest.raises(ValidationError):
        add(editor_a, project, closed)
