"""The visibility table of SPEC section 3, row by row, for every record type and state."""

import pytest

from accounts.domain.boundary import access_organization
from accounts.models import Organization
from projects.choices import WorkflowState
from projects.domain.boundary import access_record
from projects.models import Contact, Project, Zone
from registry.tenancy import NotAllowed, NotVisible, require, visible
from tests.factories import member

PUBLIC = {"published", "archived"}
PLATFORM = {"submitted", "changes_requested", "rejected", "published", "archived"}
ALL_STATES = [state.value for state in WorkflowState]

# Who sees a record of organization A in each state (SPEC 3), written out independently of
# the implementation.
EXPECTED_VISIBLE_STATES = {
    "anonymous": PUBLIC,
    "outsider": PUBLIC,
    "member_of_b": PUBLIC,
    "viewer_of_a": set(ALL_STATES),
    "editor_of_a": set(ALL_STATES),
    "reviewer": PLATFORM,
    "platform_admin": set(ALL_STATES),
}

RECORD_FIELDS = {
    Project: {
        "title": {"en": "Xi'an - Almaty cultural tourism train"},
        "category": "tourism_train",
    },
    Zone: {"name": {"en": "Khorgos cross-border zone"}, "kind": "cross_border_tourism_zone"},
    Contact: {"name": {"en": "Claims hotline"}, "kind": "insurance_claims"},
}


def make_record(model, organization, state, author, ref):
    return model.objects.create(
        organization=organization,
        identifier=f"{organization.identifier_prefix}-{ref}",
        countries=["CN", "KZ"],
        workflow_state=state,
        created_by=author,
        **RECORD_FIELDS[model],
    )


@pytest.fixture
def people(org_a, org_b, reviewer, platform_admin, outsider):
    return {
        "anonymous": None,
        "outsider": outsider,
        "member_of_b": member(org_b, "admin"),
        "viewer_of_a": member(org_a, "viewer"),
        "editor_of_a": member(org_a, "editor"),
        "reviewer": reviewer,
        "platform_admin": platform_admin,
    }


@pytest.mark.parametrize("model", [Project, Zone, Contact], ids=lambda m: m.__name__)
def test_visibility_table_of_spec_section_3(model, org_a, people, actor_of):
    author = people["editor_of_a"]
    records = {
        state: make_record(model, org_a, state, author, f"R-{index}")
        for index, state in enumerate(ALL_STATES)
    }
    for who, user in people.items():
        actor = actor_of(user)
        seen = {r.workflow_state for r in visible(actor, model)}
        assert seen == EXPECTED_VISIBLE_STATES[who], who
        for state, record in records.items():
            if state in EXPECTED_VISIBLE_STATES[who]:
                assert access_record(actor, model, record.identifier) == record
            else:
                with pytest.raises(NotVisible):
                    access_record(actor, model, record.identifier)


def test_member_of_b_cannot_change_a_draft_of_a(org_a, org_b, actor_of):
    author = member(org_a, "editor")
    draft = make_record(Project, org_a, "draft", author, "DRAFT-1")
    published = make_record(Project, org_a, "published", author, "PUB-1")
    admin_of_b = actor_of(member(org_b, "admin"))
    with pytest.raises(NotVisible):
        require(admin_of_b, "change", draft)
    # Seen, since it is public, but not theirs to change: 403, not 404.
    with pytest.raises(NotAllowed):
        require(admin_of_b, "change", published)
    require(actor_of(author), "change", draft)


def test_viewer_may_read_but_not_change(org_a, actor_of):
    author = member(org_a, "editor")
    draft = make_record(Zone, org_a, "draft", author, "Z-1")
    viewer = actor_of(member(org_a, "viewer"))
    require(viewer, "view", draft)
    with pytest.raises(NotAllowed):
        require(viewer, "change", draft)


def test_read_scope_key_cannot_write(org_a, actor_of):
    editor = member(org_a, "editor")
    draft = make_record(Contact, org_a, "draft", editor, "C-1")
    read_only = actor_of(editor, organization_id=org_a.pk, scopes={"read"})
    require(read_only, "view", draft)
    with pytest.raises(NotAllowed, match="read scope"):
        require(read_only, "change", draft)


def test_key_is_narrowed_to_its_organization(org_a, org_b, actor_of):
    user = member(org_a, "editor")
    member_b = member(org_b, "editor")
    draft_b = make_record(Project, org_b, "draft", member_b, "B-1")
    # The same user joins B too; a key for A still does not see B's draft.
    from tests.factories import MembershipFactory

    MembershipFactory(organization=org_b, user=user, role="editor")
    assert draft_b in visible(actor_of(user), Project)
    assert draft_b not in visible(actor_of(user, organization_id=org_a.pk), Project)


def test_inactive_organization_hidden_from_outsiders_and_roles_dropped(org_a, actor_of):
    admin = member(org_a, "admin")
    Organization.objects.filter(pk=org_a.pk).update(is_active=False)
    with pytest.raises(NotVisible):
        access_organization(actor_of(None), org_a.slug)
    # A deactivated organization grants its members nothing.
    assert actor_of(admin).roles == {}
