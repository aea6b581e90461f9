"""The whole workflow through the pages (SPEC 5, 7): create with a participant from another
organization, sign-off, changes requested, fixed, resubmitted, approved by another reviewer
(four-eyes), the participant confirms; the API then shows the project published."""

import pytest
from django.urls import reverse

from accounts.models import PlatformRole
from tests.factories import member
from tests.projects.pages.signed_in.helpers import act, current_form, project_form


@pytest.fixture
def people(org_a, org_b, secretariat):
    return make_people(org_a, org_b, secretariat)


def make_people(org_a, org_b, secretariat) -> dict:
    org_a.requires_signoff = True
    org_a.save()
    reviewers = []
    for name in ("reviewer-1", "reviewer-2"):
        user = member(secretariat, "viewer", username=name)
        user.platform_role = PlatformRole.REVIEWER
        user.save()
        reviewers.append(user)
    return {
        "editor": member(org_a, "editor", username="xian-editor"),
        "admin": member(org_a, "admin", username="xian-admin"),
        "reviewer_1": reviewers[0],
        "reviewer_2": reviewers[1],
        "partner_admin": member(org_b, "admin", username="almaty-admin"),
    }


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


def test_a_project_goes_from_the_form_to_the_public_api(client, people, org_b):
    the_whole_workflow(client, people, org_b)


def the_whole_workflow(client, people, org_b):
    identifier = "CN-XIAN-TRAIN"
    # The editor creates it with Almaty as a partner, and submits: it waits for a sign-off.
    as_user(client, people["editor"])
    response = client.post(
        reverse("project-create"),
        project_form(
            **{"participants-0-organization": org_b.slug, "participants-0-role": "partner"}
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/projects/{identifier}/"
    assert act(client, "projects", identifier, "submit").status_code == 302
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200

    # The organization's admin signs it off from the dashboard's list.
    as_user(client, people["admin"])
    page = client.get(reverse("dashboard")).content.decode()
    assert identifier in page.split('id="signoffs"')[1].split("</section>")[0]
    assert act(client, "projects", identifier, "signoff").status_code == 302

    # A reviewer sees it waiting, opens the review page and asks for changes (a comment needed).
    as_user(client, people["reviewer_1"])
    page = client.get(reverse("dashboard")).content.decode()
    assert identifier in page.split('id="reviews"')[1].split("</section>")[0]
    review = client.get(reverse("record-review", args=["projects", identifier]))
    assert review.status_code == 200
    assert "Request changes" in review.content.decode()
    refused = act(client, "projects", identifier, "request_changes")
    assert refused.status_code == 400
    assert "A comment is required" in refused.content.decode()
    assert (
        act(client, "projects", identifier, "request_changes", "Add the budget source.").status_code
        == 302
    )

    # The editor sees the request, fixes the record and resubmits; the admin signs off again.
    as_user(client, people["editor"])
    page = client.get(reverse("dashboard")).content.decode()
    assert identifier in page.split('id="changes-requested"')[1].split("</section>")[0]
    edit_url = reverse("project-edit", args=[identifier])
    data = current_form(client, edit_url)
    data["summary_en"] = "The first cultural tourism train, funded by both cities."
    assert client.post(edit_url, data).status_code == 302
    assert act(client, "projects", identifier, "submit").status_code == 302
    as_user(client, people["admin"])
    assert act(client, "projects", identifier, "signoff").status_code == 302

    # Another reviewer approves; the partner's admin confirms the participation.
    as_user(client, people["reviewer_2"])
    assert act(client, "projects", identifier, "approve").status_code == 302
    as_user(client, people["partner_admin"])
    page = client.get(reverse("dashboard")).content.decode()
    assert identifier in page.split('id="participation-requests"')[1].split("</section>")[0]
    participation = client.get(f"/api/v1/projects/{identifier}/participants/").json()["results"]
    [pending] = [p for p in participation if p["organization"] == org_b.slug]
    confirm = reverse("participation-answer", args=[identifier, pending["id"], "confirm"])
    asked = client.post(confirm)  # an answer is final: asked once more (issue 18)
    assert asked.status_code == 200 and "cannot be changed afterwards" in asked.content.decode()
    assert client.post(confirm, {"confirmed": "yes"}).status_code == 302

    # Anyone now reads it, published, with the fixed summary and the confirmed partner.
    client.logout()
    published = client.get(f"/api/v1/projects/{identifier}/").json()
    assert published["workflow_state"] == "published"
    assert published["summary"]["en"] == "The first cultural tourism train, funded by both cities."
    assert published["title"]["zh"] == "西安至阿拉木图文旅专列"
    partners = client.get(f"/api/v1/projects/{identifier}/participants/").json()["results"]
    assert {(p["organization"], p["confirmed"]) for p in partners} >= {(org_b.slug, True)}

    # Its history, as the owner's admin reads it, tells the whole story in order.
    as_user(client, people["admin"])
    history = client.get(reverse("record-history", args=["projects", identifier]))
    assert history.status_code == 200
    actions = [entry.action for entry in history.context["entries"]]
    assert actions[:1] == ["create"]
    assert [a for a in actions if a in ("submit", "signoff", "request_changes", "approve")] == [
        "submit",
        "signoff",
        "request_changes",
        "submit",
        "signoff",
        "approve",
    ]
    assert "Add the budget source." in history.content.decode()
