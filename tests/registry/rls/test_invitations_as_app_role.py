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
