"""The signed-in pages connected as the application's least-privilege database role (issue 10):
the whole workflow through the pages runs under row-level security. A page that needed a row its
user's policies do not show would fail here (a 404, a 500, a missing list entry)."""

import pytest
from django.urls import reverse

from projects.models import Zone
from registry import rls
from tests.factories import member
from tests.projects.factories import create, place_in_state
from tests.projects.pages.signed_in.helpers import current_form
from tests.projects.pages.signed_in.test_workflow_pages import make_people, the_whole_workflow

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


# The irreversible ones ask first (registry.views.confirm_first): this is the confirmed POST.
CONFIRMED = {"confirmed": "yes"}


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    pass


def test_the_whole_workflow_under_row_level_security(client, org_a, org_b, secretariat):
    with rls.system_context("test setup: people of three organizations"):
        people = make_people(org_a, org_b, secretariat)
    the_whole_workflow(client, people, org_b)


def test_my_organization_pages_under_row_level_security(client, org_a, org_b):
    with rls.system_context("test setup: people of two organizations"):
        admin_a = member(org_a, "admin", username="xian-admin")
        admin_b = member(org_b, "admin", username="almaty-admin")
        newcomer = member(org_a, "editor", username="newcomer")
    client.force_login(admin_a)
    assert client.get(reverse("members")).status_code == 200
    client.force_login(newcomer)
    created = client.post(reverse("api-keys"), {"name": "Sync", "scopes": ["read", "write"]})
    assert created.status_code == 200
    raw_key = created.context["raw_key"]
    client.force_login(admin_a)
    assert client.post(reverse("member-remove", args=[newcomer.pk]), CONFIRMED).status_code == 302
    client.logout()
    assert (
        client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 401
    )

    client.force_login(admin_a)
    assert client.post(reverse("sister-cities"), {"partner": org_b.slug}).status_code == 302
    client.force_login(admin_b)
    page = client.get(reverse("sister-cities"))
    [link] = page.context["links"]
    answer = reverse("sister-city-answer", args=[link.pk, "accept"])
    assert client.post(answer, CONFIRMED).status_code == 302


def test_a_pending_revision_discarded_under_row_level_security(client, org_a):
    with rls.system_context("test setup: a published zone"):
        editor = member(org_a, "editor", username="xian-editor")
        zone = place_in_state(create(Zone, org_a, editor), "published")
    client.force_login(editor)
    url = reverse("zone-edit", args=[zone.identifier])
    data = current_form(client, url)
    data["governing_body"] = "Proposed committee"
    assert client.post(url, data).status_code == 302
    page = client.get(reverse("dashboard")).content.decode()
    assert zone.identifier in page.split('id="drafts"')[1].split("</section>")[0]
    discard = reverse("record-discard-revision", args=["zones", zone.identifier])
    assert client.post(discard, CONFIRMED).status_code == 302
    assert current_form(client, url)["governing_body"] == ""
