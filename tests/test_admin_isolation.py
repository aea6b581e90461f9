"""The Django admin: platform admins see every organization; nobody else gets in at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.domain import services
from accounts.models import (
    ApiKey,
    Invitation,
    Membership,
    Organization,
    OrganizationApplication,
    SisterCityLink,
    User,
)
from registry.models import UnscopedQuery
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    Organization: "/admin/accounts/organization/",
    User: "/admin/accounts/user/",
    Membership: "/admin/accounts/membership/",
    SisterCityLink: "/admin/accounts/sistercitylink/",
    ApiKey: "/admin/accounts/apikey/",
    Invitation: "/admin/accounts/invitation/",
    OrganizationApplication: "/admin/accounts/organizationapplication/",
}


@pytest.fixture
def two_cities(org_a, org_b):
    """Xi'an and Almaty, each with an admin, an editor, a link between them and an API key."""
    xian_admin = member(org_a, "admin", username="xian-admin")
    almaty_admin = member(org_b, "admin", username="almaty-admin")
    member(org_a, "editor", username="xian-editor")
    member(org_b, "editor", username="almaty-editor")
    link = services.propose_link(Actor.for_user(xian_admin), org_a, org_b, note="train")
    services.accept_link(Actor.for_user(almaty_admin), link)
    keys = [
        ApiKey.objects.create(
            organization=org, user=user, name=f"{org.slug} sync", prefix=f"k{org.pk}x",
            key_hash=f"secret-hash-of-{org.slug}", scopes=["read"],
        )
        for org, user in ((org_a, xian_admin), (org_b, almaty_admin))
    ]  # fmt: skip
    invitations = [
        Invitation.objects.create(
            organization=org, email=f"newcomer@{org.slug}.example", role="editor",
            token_hash=f"secret-hash-of-invitation-{org.slug}", invited_by=user,
            expires_at=timezone.now() + timedelta(days=7),
        )
        for org, user in ((org_a, xian_admin), (org_b, almaty_admin))
    ]  # fmt: skip
    application = OrganizationApplication.objects.create(
        name={"en": "Samarkand City Hall", "ru": "Хокимият Самарканда"},
        kind="local_government", country="UZ", applicant_name="Dilnoza",
        applicant_email="dilnoza@samarkand.example",
    )  # fmt: skip
    return {"link": link, "keys": keys, "xian_admin": xian_admin, "almaty_admin": almaty_admin,
            "invitations": invitations, "application": application}  # fmt: skip


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def change_url(obj) -> str:
    return f"{CHANGELISTS[type(obj)]}{obj.pk}/change/"


def test_platform_admin_sees_every_organizations_rows_in_each_changelist(
    client, platform_admin, two_cities
):
    client.force_login(platform_admin)
    for model, url in CHANGELISTS.items():
        response = client.get(url)
        assert response.status_code == 200, url
        shown = {row.pk for row in response.context["cl"].result_list}
        everything = model._default_manager
        if hasattr(everything, "unscoped"):
            everything = everything.unscoped("test: compare with all rows")
        assert shown == set(everything.values_list("pk", flat=True)), url
    memberships = client.get(CHANGELISTS[Membership]).context["cl"].result_list
    assert {m.organization.slug for m in memberships} >= {"xian", "almaty", "secretariat"}


def test_changelists_search_and_filter_without_errors(client, platform_admin, two_cities):
    client.force_login(platform_admin)
    queries = {
        Organization: "?q=xian&kind__exact=local_government&is_active__exact=1",
        User: "?q=admin&platform_role__exact=platform_admin",
        Membership: "?q=xian&role__exact=admin",
        SisterCityLink: "?q=train&status__exact=active",
        ApiKey: "?q=sync",
        Invitation: "?q=almaty&role__exact=editor&accepted_at__isnull=True",
        OrganizationApplication: "?q=samarkand&status__exact=pending&kind__exact=local_government",
    }
    for model, query in queries.items():
        response = client.get(CHANGELISTS[model] + query)
        assert response.status_code == 200, query
        assert len(response.context["cl"].result_list) >= 1, query
    organization = Organization.objects.get(slug="xian")
    response = client.get(f"{CHANGELISTS[Membership]}?organization__id__exact={organization.pk}")
    assert {m.organization_id for m in response.context["cl"].result_list} == {organization.pk}


def test_platform_admin_opens_change_pages_and_the_key_hash_is_never_shown(
    client, platform_admin, two_cities
):
    client.force_login(platform_admin)
    rows = [
        Organization.objects.get(slug="almaty"),
        two_cities["almaty_admin"],
        Membership.objects.unscoped("test").get(user=two_cities["almaty_admin"]),
        two_cities["link"],
        *two_cities["keys"],
        *two_cities["invitations"],
        two_cities["application"],
    ]
    for row in rows:
        assert client.get(change_url(row)).status_code == 200, change_url(row)
    for key in [*two_cities["keys"], *two_cities["invitations"]]:
        assert "secret-hash-of" not in client.get(change_url(key)).content.decode()
    for model in (ApiKey, Invitation):
        assert "secret-hash-of" not in client.get(CHANGELISTS[model]).content.decode()


@pytest.mark.parametrize("role", ["admin", "editor"])
def test_an_organization_member_gets_no_admin_even_with_is_staff(client, two_cities, role):
    user = User.objects.get(username=f"xian-{role}")
    user.is_staff = True
    user.save()
    client.force_login(user)
    other_membership = Membership.objects.unscoped("test").get(user=two_cities["almaty_admin"])
    for url in [
        "/admin/",
        *CHANGELISTS.values(),
        change_url(other_membership),
        change_url(two_cities["link"]),
        change_url(two_cities["keys"][1]),
        change_url(Organization.objects.get(slug="almaty")),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    # Posting a change is refused the same way, and changes nothing.
    response = client.post(change_url(other_membership), {"role": "viewer"})
    assert response.status_code == 302
    other_membership.refresh_from_db()
    assert other_membership.role == "admin"


def test_a_reviewer_gets_no_admin(client, reviewer, two_cities):
    client.force_login(reviewer)
    assert client.get("/admin/").status_code == 302


def test_the_admin_sign_in_is_the_sites_and_refuses_an_organization_admin(client, two_cities):
    """The admin has no sign-in form of its own (issue 17): its login sends to the site's, with
    its lockout and second factor; an organization admin signed in there still gets no admin."""
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    response = client.post(
        "/accounts/login/",
        {"username": "xian-admin", "password": "silk-road-test-pass", "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 302


def test_admin_login_form_lets_a_platform_admin_in(client, secretariat):
    user = member(secretariat, "admin", username="ops")
    services.set_platform_role(user, "platform_admin")
    response = client.post(
        "/accounts/login/",
        {"username": "ops", "password": "silk-road-test-pass", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# --- admin changes go through the services -------------------------------------------------


def test_admin_membership_add_goes_through_the_service(client, platform_admin, org_a):
    closed = OrganizationFactory(slug="closed", identifier_prefix="KZ-CLOSED", is_active=False)
    newcomer = member(org_a, "viewer", username="newcomer")
    client.force_login(platform_admin)
    refused = client.post(
        "/admin/accounts/membership/add/",
        {"organization": closed.pk, "user": newcomer.pk, "role": "editor"},
    )
    assert refused.status_code == 200
    assert "closed is deactivated" in refused.content.decode()
    assert not services.memberships_of(newcomer).filter(organization=closed).exists()
    duplicate = client.post(
        "/admin/accounts/membership/add/",
        {"organization": org_a.pk, "user": newcomer.pk, "role": "editor"},
    )
    assert duplicate.status_code == 200
    assert "already exists" in duplicate.content.decode()
    second = OrganizationFactory(slug="astana", identifier_prefix="KZ-AST")
    added = client.post(
        "/admin/accounts/membership/add/",
        {"organization": second.pk, "user": newcomer.pk, "role": "editor"},
    )
    assert added.status_code == 302
    assert services.memberships_of(newcomer).get(organization=second).role == "editor"


def test_admin_membership_role_change_and_delete(client, platform_admin, org_a):
    user = member(org_a, "viewer", username="li")
    membership = services.memberships_of(user).get()
    client.force_login(platform_admin)
    response = client.post(change_url(membership), {"role": "admin"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "admin"
    response = client.post(f"{CHANGELISTS[Membership]}{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not services.memberships_of(user).exists()


def test_admin_cannot_strand_a_reviewer_outside_the_secretariat(
    client, platform_admin, reviewer, secretariat, org_a
):
    services.add_membership(reviewer, org_a, "viewer")
    home = services.memberships_of(reviewer).get(organization=secretariat)
    client.force_login(platform_admin)
    response = client.post(f"{CHANGELISTS[Membership]}{home.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert services.memberships_of(reviewer).filter(organization=secretariat).exists()


def test_admin_organization_add_refuses_an_overlapping_prefix(client, platform_admin, org_a):
    client.force_login(platform_admin)
    data = {
        "slug": "lintong",
        "name": '{"en": "Lintong District"}',
        "kind": "local_government",
        "country": "CN",
        "identifier_prefix": "CN-XIAN-LINTONG",
        "is_active": "on",
    }
    refused = client.post("/admin/accounts/organization/add/", data)
    assert refused.status_code == 200
    assert "overlaps CN-XIAN of organization xian" in refused.content.decode()
    assert not Organization.objects.filter(slug="lintong").exists()
    created = client.post(
        "/admin/accounts/organization/add/", {**data, "identifier_prefix": "cn-lintong"}
    )
    assert created.status_code == 302
    assert Organization.objects.get(slug="lintong").identifier_prefix == "CN-LINTONG"


def test_admin_user_platform_role_goes_through_the_service(client, platform_admin, org_a):
    editor = member(org_a, "editor", username="li")
    client.force_login(platform_admin)
    page = client.get(change_url(editor))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "password"}
    data.update({"platform_role": "platform_admin", "date_joined_0": "2025-06-16",
                 "date_joined_1": "10:00:00", "last_login_0": "", "last_login_1": ""})  # fmt: skip
    data = {key: value for key, value in data.items() if value not in (None, [], False)}
    data["is_active"] = "on"
    refused = client.post(change_url(editor), data)
    assert refused.status_code == 200
    assert "belong to the secretariat" in refused.content.decode()
    editor.refresh_from_db()
    assert (editor.platform_role, editor.is_staff) == ("", False)


def test_the_scoping_module_refuses_an_unscoped_lookup(two_cities):
    for model in (Membership, SisterCityLink, ApiKey):
        with pytest.raises(UnscopedQuery):
            list(model.objects.all())
        with pytest.raises(UnscopedQuery):
            model.objects.filter(organization__slug="xian").exists()


def test_admin_organization_change_deactivates_and_keeps_the_prefix(client, platform_admin, org_b):
    client.force_login(platform_admin)
    data = {
        "slug": "almaty",
        "name": '{"en": "Akimat of Almaty", "kk": "Алматы қаласының әкімдігі"}',
        "kind": "local_government",
        "country": "KZ",
        "city": "Almaty",
        "identifier_prefix": "KZ-CHANGED",  # read-only on change: ignored
    }
    response = client.post(change_url(org_b), data)  # is_active left unticked
    assert response.status_code == 302
    org_b.refresh_from_db()
    assert org_b.is_active is False
    assert org_b.identifier_prefix == "KZ-ALA"
    assert org_b.name["kk"] == "Алматы қаласының әкімдігі"
    refused = client.post(change_url(org_b), {**data, "sector": "rail"})
    assert refused.status_code == 200
    assert "Only market entities have a sector." in refused.content.decode()


# --- invitations and applications: read-only lists with search (issue 17) --------------------


def test_invitations_and_applications_are_read_only_lists(client, platform_admin, two_cities):
    client.force_login(platform_admin)
    invitation = two_cities["invitations"][1]
    application = two_cities["application"]
    found = client.get(CHANGELISTS[Invitation] + "?q=newcomer@almaty")
    assert [row.pk for row in found.context["cl"].result_list] == [invitation.pk]
    found = client.get(CHANGELISTS[OrganizationApplication] + "?q=dilnoza@samarkand")
    assert [row.pk for row in found.context["cl"].result_list] == [application.pk]
    assert "Samarkand City Hall" in found.content.decode()
    for model, row in ((Invitation, invitation), (OrganizationApplication, application)):
        base = CHANGELISTS[model]
        assert client.get(f"{base}add/").status_code == 403
        assert client.get(f"{base}{row.pk}/delete/").status_code == 403
        page = client.get(change_url(row))
        assert page.status_code == 200 and not page.context["has_change_permission"]
    refused = client.post(change_url(invitation), {"role": "admin", "email": "x@evil.example"})
    assert refused.status_code == 403
    invitation.refresh_from_db()
    assert (invitation.role, invitation.email) == ("editor", "newcomer@almaty.example")
    refused = client.post(change_url(application), {"status": "approved"})
    assert refused.status_code == 403
    application.refresh_from_db()
    assert application.status == "pending" and application.created_organization is None
