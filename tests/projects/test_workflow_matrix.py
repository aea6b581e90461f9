"""Every (record type, state, action, role) of SPEC 5, allowed and refused.

The actions come from `workflow.TRANSITIONS` (the table the code runs on); the expected outcome
comes from SPEC 5 and SPEC 3, written out below as data, independently of the code.
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership, PlatformRole, User
from projects.domain import workflow
from projects.domain.errors import InvalidTransition
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor, NotAllowed, NotVisible
from tests.factories import OrganizationFactory
from tests.projects.factories import create, place_in_state

STATES = (
    "draft",
    "pending_signoff",
    "submitted",
    "changes_requested",
    "published",
    "rejected",
    "archived",
)
ROLES = (
    "owner_admin",
    "owner_editor",
    "owner_viewer",
    "other_admin",
    "reviewer",
    "platform_admin",
    "anonymous",
)

# SPEC 5: action -> ([(who, from)], to, comment required). "owner" roles are of the owning org.
# Most actions have one line of who and from; request_changes has two (issue 18): the reviewers'
# from submitted, and the owner admins' from pending_signoff.
SPEC_TABLE = {
    "submit": (
        [({"owner_editor", "owner_admin"}, {"draft", "changes_requested"})],
        "submitted",
        False,
    ),
    "signoff": ([({"owner_admin"}, {"pending_signoff"})], "submitted", False),
    "withdraw": (
        [({"owner_editor", "owner_admin"}, {"pending_signoff", "submitted"})],
        "draft",
        False,
    ),
    "approve": ([({"reviewer"}, {"submitted"})], "published", False),
    "request_changes": (
        [({"reviewer"}, {"submitted"}), ({"owner_admin"}, {"pending_signoff"})],
        "changes_requested",
        True,
    ),
    "reject": ([({"reviewer"}, {"submitted"})], "rejected", True),
    "reopen": ([({"owner_admin"}, {"rejected"})], "draft", False),
    "archive": ([({"owner_admin", "reviewer"}, {"published"})], "archived", True),
    # SPEC 5 "Freshness": editor or admin of the owner, no review.
    "reconfirm": (
        [({"owner_editor", "owner_admin"}, {"published"})],
        "published",
        False,
    ),
}

# SPEC 3: which states each role sees.
PUBLIC = {"published", "archived"}
SEES = {
    "owner_admin": set(STATES),
    "owner_editor": set(STATES),
    "owner_viewer": set(STATES),
    "other_admin": PUBLIC,
    "reviewer": {"submitted", "changes_requested", "rejected", "published", "archived"},
    "platform_admin": set(STATES),
    "anonymous": PUBLIC,
}


def expected_outcome(state: str, action: str, role: str) -> str:
    lines, target, _ = SPEC_TABLE[action]
    if state not in SEES[role]:
        return "not_visible"
    held = [sources for who, sources in lines if role in who]
    if not held:
        return "not_allowed"
    if not any(state in sources for sources in held):
        return "invalid"
    return target


def test_the_code_table_is_spec_table():
    assert set(workflow.TRANSITIONS) == set(SPEC_TABLE)
    code_role = {"owner_editor": {"owner_editor", "owner_admin"}, "owner_admin": {"owner_admin"}}
    for name, transition in workflow.TRANSITIONS.items():
        lines, target, comment_required = SPEC_TABLE[name]
        code_lines = [
            (set().union(*(code_role.get(r, {r}) for r in rule.roles)), set(rule.sources))
            for rule in transition.rules
        ]
        assert code_lines == lines, name
        assert transition.target == target, name
        assert transition.comment_required == comment_required, name


PEOPLE = {
    # name: (organization key, membership role, platform role)
    "owner_admin": ("owner", "admin", ""),
    "owner_editor": ("owner", "editor", ""),
    "owner_viewer": ("owner", "viewer", ""),
    "other_admin": ("other", "admin", ""),
    "reviewer": ("secretariat", "viewer", PlatformRole.REVIEWER),
    "platform_admin": ("secretariat", "admin", PlatformRole.PLATFORM_ADMIN),
    # The people of the current round, so that the four-eyes rules do not interfere here.
    "submitter": ("owner", "editor", ""),
    "signer": ("owner", "admin", ""),
}


@pytest.fixture
def people(db):
    """The cast of the matrix, created in bulk: 1,300 tests each need a fresh one."""
    orgs = {
        "owner": OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN"),
        "other": OrganizationFactory(slug="almaty", identifier_prefix="KZ-ALA", country="KZ"),
        "secretariat": OrganizationFactory(
            slug="secretariat", identifier_prefix="SRR", kind="secretariat"
        ),
    }
    users = User.objects.bulk_create(
        User(username=name, email=f"{name}@example.org", platform_role=platform_role)
        for name, (_, _, platform_role) in PEOPLE.items()
    )
    by_name = {user.username: user for user in users}
    Membership.all_rows_for_internal_use.bulk_create(
        Membership(organization=orgs[org], user=by_name[name], role=role)
        for name, (org, role, _) in PEOPLE.items()
    )
    return {"owner": orgs["owner"], "anonymous": None, **by_name}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("model", [Project, Zone, Contact])
def test_state_action_role(model, state, action, role, people):
    record = create(model, people["owner"], people["owner_editor"])
    round_people = {}
    if state in ("pending_signoff", "submitted"):
        round_people["submitted_by"] = people["submitter"]
    if state == "submitted":
        round_people["signed_off_by"] = people["signer"]
    record = place_in_state(record, state, **round_people)
    user = people[role]
    actor = Actor.for_user(user) if user else Actor.anonymous()
    expected = expected_outcome(state, action, role)
    refusals = {"not_visible": NotVisible, "not_allowed": NotAllowed, "invalid": InvalidTransition}

    def run():
        return workflow.perform(actor, model, record.identifier, action, comment="Reason given.")

    if expected in refusals:
        with pytest.raises(refusals[expected]):
            run()
        record.refresh_from_db()
        assert record.workflow_state == state  # nothing changed
        assert record.version == 1
        if expected != "not_visible":
            assert action not in workflow.available_actions(actor, record)
    else:
        assert action in workflow.available_actions(actor, record)
        after = run()
        assert after.workflow_state == expected
        assert after.version == 2
        entry = list(workflow.history(Actor.for_user(people["owner_admin"]), after))[-1]
        assert (entry.action, entry.from_state, entry.to_state) == (action, state, expected)


@pytest.mark.parametrize("action", [a for a, row in SPEC_TABLE.items() if row[2]])
def test_comment_is_required(action, people):
    (who, sources), *_ = SPEC_TABLE[action][0]
    record = create(Project, people["owner"], people["owner_editor"])
    state = sorted(sources)[0]
    record = place_in_state(record, state, submitted_by=people["submitter"])
    role = sorted(who)[0]
    with pytest.raises(ValidationError) as error:
        workflow.perform(Actor.for_user(people[role]), Project, record.identifier, action)
    assert "comment" in error.value.message_dict
    record.refresh_from_db()
    assert record.workflow_state == state
