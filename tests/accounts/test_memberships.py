"""Memberships and platform roles: the services and `create_user` (SPEC 2, 9)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.domain import services
from accounts.models import Membership, PlatformRole, User
from registry.tenancy import visible
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def roles_of(user) -> dict:
    memberships = services.memberships_of(user).select_related("organization")
    return {m.organization.slug: m.role for m in memberships}


# --- add_membership / remove_membership ---------------------------------------------------


def test_add_membership_and_change_the_role_by_running_again(org_a):
    user = UserFactory()
    services.add_membership(user, org_a, "viewer")
    assert roles_of(user) == {"xian": "viewer"}
    services.add_membership(user, org_a, "admin")
    assert roles_of(user) == {"xian": "admin"}


def test_a_user_may_belong_to_several_organizations(org_a, org_b, actor_of):
    user = UserFactory()
    services.add_membership(user, org_a, "editor")
    services.add_membership(user, org_b, "viewer")
    actor = actor_of(user)
    assert actor.role_in(org_a.pk) == "editor"
    assert actor.role_in(org_b.pk) == "viewer"


def test_refuses_an_unknown_role(org_a):
    user = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.add_membership(user, org_a, "owner")
    assert "Unknown role 'owner'" in excinfo.value.message_dict["role"][0]
    assert roles_of(user) == {}


def test_refuses_a_membership_in_a_deactivated_organization():
    closed = OrganizationFactory(slug="closed", is_active=False)
    user = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.add_membership(user, closed, "editor")
    assert "closed is deactivated" in excinfo.value.message_dict["organization"][0]
    assert roles_of(user) == {}


def test_remove_membership(org_a):
    user = UserFactory()
    services.add_membership(user, org_a, "editor")
    services.remove_membership(user, org_a)
    assert roles_of(user) == {}
    with pytest.raises(ValidationError) as excinfo:
        services.remove_membership(user, org_a)
    assert "not a member of xian" in excinfo.value.messages[0]


# --- set_platform_role -------------------------------------------------------------------


def test_platform_admin_gets_is_staff_and_loses_it_with_the_role(secretariat):
    user = UserFactory()
    services.add_membership(user, secretariat, "admin")
    user = services.set_platform_role(user, "platform_admin")
    user.refresh_from_db()
    assert (user.platform_role, user.is_staff) == (PlatformRole.PLATFORM_ADMIN, True)
    user = services.set_platform_role(user, "")
    user.refresh_from_db()
    assert (user.platform_role, user.is_staff) == ("", False)


def test_reviewer_in_the_secretariat(secretariat):
    user = UserFactory()
    services.add_membership(user, secretariat, "viewer")
    assert services.set_platform_role(user, "reviewer").platform_role == "reviewer"


def test_a_user_without_memberships_may_hold_a_platform_role():
    user = services.set_platform_role(UserFactory(), "reviewer")
    assert user.platform_role == "reviewer"


def test_refuses_a_platform_role_for_someone_only_in_other_organizations(org_a):
    user = UserFactory()
    services.add_membership(user, org_a, "admin")
    with pytest.raises(ValidationError) as excinfo:
        services.set_platform_role(user, "platform_admin")
    assert "belong to the secretariat" in excinfo.value.message_dict["platform_role"][0]
    user.refresh_from_db()
    assert (user.platform_role, user.is_staff) == ("", False)


def test_refuses_an_unknown_platform_role():
    user = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.set_platform_role(user, "superuser")
    assert "Unknown platform role" in excinfo.value.message_dict["platform_role"][0]


def test_a_reviewer_cannot_be_moved_out_of_the_secretariat(reviewer, secretariat, org_a):
    services.add_membership(reviewer, org_a, "viewer")  # the secretariat membership remains
    with pytest.raises(ValidationError) as excinfo:
        services.remove_membership(reviewer, secretariat)
    assert "belong to the secretariat" in excinfo.value.messages[0]
    assert set(roles_of(reviewer)) == {"secretariat", "xian"}


def test_a_platform_role_holder_without_memberships_cannot_join_only_a_city(org_a):
    user = services.set_platform_role(UserFactory(), "reviewer")
    with pytest.raises(ValidationError):
        services.add_membership(user, org_a, "editor")
    assert roles_of(user) == {}


# --- create_user ---------------------------------------------------------------------------


GOOD_PASSWORD = "amber-caravan-1907"


def create_user(*args) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def test_create_user_with_a_membership(org_a):
    output = create_user(
        "--username",
        "li.na",
        "--email",
        "li.na@xa.example",
        "--password",
        GOOD_PASSWORD,
        "--org",
        "xian",
        "--role",
        "admin",
    )
    user = User.objects.get(username="li.na")
    assert user.check_password(GOOD_PASSWORD)
    assert roles_of(user) == {"xian": "admin"}
    assert "user created" in output and "admin of xian" in output


def test_run_again_to_add_a_membership_and_a_platform_role(secretariat, org_a):
    create_user("--username", "zhou", "--email", "zhou@example.org", "--password", GOOD_PASSWORD)
    create_user("--username", "zhou", "--org", "secretariat", "--role", "viewer")
    output = create_user("--username", "zhou", "--platform-role", "reviewer")
    user = User.objects.get(username="zhou")
    assert roles_of(user) == {"secretariat": "viewer"}
    assert user.platform_role == "reviewer"
    assert user.check_password(GOOD_PASSWORD)  # untouched when not given
    assert "platform role set to reviewer" in output


def test_create_platform_admin_in_one_go(secretariat):
    create_user(
        "--username",
        "ops",
        "--email",
        "ops@example.org",
        "--password",
        GOOD_PASSWORD,
        "--org",
        "secretariat",
        "--role",
        "admin",
        "--platform-role",
        "platform_admin",
    )
    user = User.objects.get(username="ops")
    assert (user.platform_role, user.is_staff) == ("platform_admin", True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--org", "xian", "--role", "owner"], "role: Unknown role 'owner'"),
        (["--org", "nowhere", "--role", "editor"], "no organization with slug 'nowhere'"),
        (["--org", "xian"], "--org and --role go together"),
        (["--org", "xian", "--role", "admin", "--platform-role", "reviewer"], "secretariat"),
        (["--email", "not-an-email"], "not a valid e-mail"),
        (["--password", ""], "--password must not be empty"),
        (["--platform-role", "superuser"], "invalid choice"),
    ],
)
def test_create_user_refuses_bad_input_and_saves_nothing(org_a, args, expected):
    defaults = {"--email": "new@example.org", "--password": GOOD_PASSWORD}
    given = dict(zip(args[::2], args[1::2], strict=True))
    full = {"--username": "new", **defaults, **given}
    with pytest.raises(CommandError) as excinfo:
        create_user(*[item for pair in full.items() for item in pair])
    assert expected in str(excinfo.value)
    assert not User.objects.filter(username="new").exists()
    assert not visible_memberships_exist()


def visible_memberships_exist() -> bool:
    return Membership.objects.unscoped("test: count all memberships").exists()


def test_create_user_refuses_a_deactivated_organization():
    OrganizationFactory(slug="closed", is_active=False)
    with pytest.raises(CommandError) as excinfo:
        create_user(
            "--username",
            "new",
            "--email",
            "n@example.org",
            "--password",
            GOOD_PASSWORD,
            "--org",
            "closed",
            "--role",
            "editor",
        )
    assert "closed is deactivated" in str(excinfo.value)
    assert not User.objects.filter(username="new").exists()


def test_create_user_needs_email_and_password_for_a_new_user():
    with pytest.raises(CommandError) as excinfo:
        create_user("--username", "new")
    assert "give --email and --password" in str(excinfo.value)


def test_create_user_refuses_a_bad_username():
    with pytest.raises(CommandError) as excinfo:
        create_user("--username", "li na!", "--email", "n@example.org", "--password", GOOD_PASSWORD)
    assert "--username" in str(excinfo.value)
    assert not User.objects.exists()


def test_memberships_stay_behind_the_boundary(org_a, org_b, actor_of):
    alice, bob = UserFactory(), UserFactory()
    services.add_membership(alice, org_a, "admin")
    services.add_membership(bob, org_b, "admin")
    seen = visible(actor_of(alice), Membership)
    assert {m.user_id for m in seen} == {alice.pk}


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short", "too short"),
        ("password", "too common"),
        ("12345678", "entirely numeric"),
        ("li.na.xian", "too similar"),
    ],
)
def test_create_user_refuses_a_weak_password_and_saves_nothing(password, expected):
    with pytest.raises(CommandError) as excinfo:
        create_user("--username", "li.na.xian", "--email", "l@example.org", "--password", password)
    assert "password:" in str(excinfo.value) and expected in str(excinfo.value)
    assert not User.objects.filter(username="li.na.xian").exists()


def test_create_user_refuses_a_weak_new_password_for_an_existing_user():
    create_user("--username", "zhou", "--email", "zhou@example.org", "--password", GOOD_PASSWORD)
    with pytest.raises(CommandError, match="too common"):
        create_user("--username", "zhou", "--password", "password")
    assert User.objects.get(username="zhou").check_password(GOOD_PASSWORD)
