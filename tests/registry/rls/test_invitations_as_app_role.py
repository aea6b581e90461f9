"""Invitations connected as the application's least-privilege role (issue 17): the token page
finds its one row through the narrow `by_token` policy, an admin of another organization sees
none of them, and acceptance writes the membership."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation
from registry import rls
from tests.accounts.test_invitations import NEW_PASSWORD, invite, link_in, path_of
from tests.factories import member

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    pass


def test_invitations_under_row_level_security(
    client, org_a, org_b, django_capture_on_commit_callbacks
):
    with rls.system_context("test setup"):
        admin = member(org_a, "admin", username="xian-admin")
        other_admin = member(org_b, "admin", username="almaty-admin")
    client.force_login(admin)
    invite(client, django_capture_on_commit_callbacks, "fresh@example.org", "editor")
    link = path_of(link_in(mail.outbox[0]))
    assert "fresh@example.org" in client.get(reverse("members")).content.decode()
    client.force_login(other_admin)
    assert "fresh@example.org" not in client.get(reverse("members")).content.decode()
    client.logout()
    # Without the token's hash stated, the database shows no invitation at all.
    with rls.acting(rls.NOBODY):
        assert not Invitation.objects.unscoped("test: what nobody sees").exists()
    assert client.get(link).status_code == 200
    good = {"username": "fresh", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(link, good).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(link).status_code == 404


def test_a_platform_admin_lists_invitations_and_applications_in_the_admin(
    client, settings, org_a, org_b, secretariat, django_capture_on_commit_callbacks
):
    """The admin's read-only lists under row-level security: every organization's invitations
    and every application, for a platform admin."""
    from accounts.domain import services
    from accounts.models import OrganizationApplication

    settings.MFA_REQUIRED_ROLES = ""
    with rls.system_context("test setup"):
        platform_admin = member(secretariat, "admin", username="platform-admin")
        services.set_platform_role(platform_admin, "platform_admin")
        admins = [member(org, "admin", username=f"{org.slug}-admin") for org in (org_a, org_b)]
        OrganizationApplication.objects.create(
            name={"en": "Samarkand City Hall"}, kind="local_government", country="UZ",
            applicant_name="Dilnoza", applicant_email="dilnoza@samarkand.example",
        )  # fmt: skip
    for number, admin in enumerate(admins):
        client.force_login(admin)
        invite(client, django_capture_on_commit_callbacks, f"fresh{number}@example.org", "editor")
    client.force_login(platform_admin)
    listed = client.get("/admin/accounts/invitation/?q=example.org").content.decode()
    assert "fresh0@example.org" in listed and "fresh1@example.org" in listed
    found = client.get("/admin/accounts/organizationapplication/?q=samarkand")
    assert found.status_code == 200 and "Samarkand City Hall" in found.content.decode()
