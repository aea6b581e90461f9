"""The workflow buttons, the review page with its diff and the history (SPEC 5, 7): each shown
only to who may use it, and refused (403, or 404 when the record is not visible) when forced."""

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse

from projects.models import Contact, Project, Zone
from tests.factories import member
from tests.projects.factories import act as act_as
from tests.projects.factories import create, place_in_state
from tests.projects.pages.signed_in.helpers import act, current_form


def buttons(client, record):
    """The workflow actions the record's action panel offers (it sits on the edit and review
    pages here; the public detail pages include the same partial)."""
    page = client.get(reverse("record-review", args=[record.record_type, record.identifier]))
    if page.status_code != 200:
        return None
    return (
        [button.name for button in page.context["actions"]["buttons"]]
        if "actions" in page.context
        else []
    )


def test_forbidden_actions_are_hidden_and_refused(client, org_a, editor_a, editor_b, reviewer):
    project = create(Project, org_a, editor_a)
    viewer = member(org_a, "viewer")
    client.force_login(editor_a)
    assert buttons(client, project) == ["submit"]
    client.force_login(viewer)
    assert buttons(client, project) == []
    refused = act(client, "projects", project.identifier, "submit")
    assert refused.status_code == 403
    assert "Only the owner editor may submit this record." in refused.content.decode()
    # Another organization and the reviewers do not see a draft: 404.
    for outsider in (editor_b, reviewer):
        client.force_login(outsider)
        assert act(client, "projects", project.identifier, "submit").status_code == 404
    # Not a workflow action at all: 404. Signed out: to the sign-in page.
    assert act(client, "projects", project.identifier, "publish-now").status_code == 404
    client.logout()
    assert act(client, "projects", project.identifier, "submit")["Location"].startswith(
        "/accounts/login/"
    )
    project.refresh_from_db()
    assert project.workflow_state == "draft"
    # From the wrong state: a friendly 409, and the reviewer's buttons once submitted.
    client.force_login(editor_a)
    assert act(client, "projects", project.identifier, "signoff").status_code == 403
    assert act(client, "projects", project.identifier, "submit").status_code == 302
    assert act(client, "projects", project.identifier, "submit").status_code == 409
    client.force_login(reviewer)
    assert buttons(client, project) == ["approve", "request_changes", "reject"]


def test_a_comment_too_long_is_refused_not_dropped(client, org_a, editor_a):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    response = act(client, "projects", project.identifier, "submit", "x" * 5001)
    assert response.status_code == 400
    assert "5000" in response.content.decode()
    project.refresh_from_db()
    assert project.workflow_state == "draft"


def test_an_incomplete_record_cannot_be_submitted(client, org_a, editor_a):
    """The editor is sent to the form, where what publishing needs is marked on its field."""
    contact = create(Contact, org_a, editor_a, phone="", email="")
    client.force_login(editor_a)
    response = act(client, "contacts", contact.identifier, "submit")
    edit_url = reverse("contact-edit", args=[contact.identifier])
    assert response.status_code == 302 and response["Location"] == f"{edit_url}?check=publish"
    html = client.get(response["Location"]).content.decode()
    assert f"{contact.identifier} is not sent for review yet" in html
    summary = html.split('id="error-summary"')[1].split("</ul>")[0]
    assert "A contact needs a phone number or an email." in summary
    assert 'id="error-phone"' in html and 'aria-invalid="true"' in html
    contact.refresh_from_db()
    assert contact.workflow_state == "draft"
    # Without the check the same page marks nothing; a complete record goes on its way.
    assert 'id="error-summary"' not in client.get(edit_url).content.decode()
    contact.phone = "+86 29 8888 0000"
    contact.save()
    assert act(client, "contacts", contact.identifier, "submit").status_code == 302
    contact.refresh_from_db()
    assert contact.workflow_state != "draft"


def test_a_submit_refused_for_its_comment_stays_on_the_decision_page(client, org_a, editor_a):
    contact = create(Contact, org_a, editor_a, phone="", email="")
    client.force_login(editor_a)
    response = act(client, "contacts", contact.identifier, "submit", "x" * 5001)
    assert response.status_code == 400 and "5000" in response.content.decode()


def test_discarding_a_pending_revision(client, org_a, editor_a, editor_b):
    zone = place_in_state(create(Zone, org_a, editor_a), "published")
    client.force_login(editor_a)
    url = reverse("zone-edit", args=[zone.identifier])
    data = current_form(client, url)
    data["governing_body"] = "Proposed committee"
    client.post(url, data)
    discard = reverse("record-discard-revision", args=["zones", zone.identifier])
    client.force_login(editor_b)
    assert client.post(discard).status_code == 403
    client.force_login(editor_a)
    asked = client.post(discard)  # asked first (issue 18); nothing is discarded yet
    assert (
        asked.status_code == 200 and "The proposed changes will be lost." in asked.content.decode()
    )
    assert client.get(f"/api/v1/zones/{zone.identifier}/").json()["pending_revision"] is not None
    assert client.post(discard, {"confirmed": "yes"}).status_code == 302
    assert client.get(f"/api/v1/zones/{zone.identifier}/").json()["pending_revision"] is None
    assert current_form(client, url)["governing_body"] == ""
    # Nothing left to discard: a friendly 409.
    assert client.post(discard, {"confirmed": "yes"}).status_code == 409
    history = client.get(reverse("record-history", args=["zones", zone.identifier]))
    assert "Pending revision discarded" in history.content.decode()


def test_deleting_a_draft(client, org_a, editor_a, editor_b):
    contact = create(Contact, org_a, editor_a)
    url = reverse("record-delete", args=["contacts", contact.identifier])
    client.force_login(editor_b)
    assert client.post(url, {"confirmed": "yes"}).status_code == 404
    client.force_login(member(org_a, "viewer"))
    assert client.post(url).status_code == 403
    client.force_login(editor_a)
    # The first press asks; nothing is deleted until confirmed.
    ask = client.post(url)
    assert ask.status_code == 200 and "This cannot be undone." in ask.content.decode()
    assert client.get(reverse("contact-edit", args=[contact.identifier])).status_code == 200
    assert client.post(url, {"confirmed": "yes"})["Location"] == reverse("dashboard")
    assert client.get(reverse("contact-edit", args=[contact.identifier])).status_code == 404


def test_review_page_shows_the_diff_to_reviewers_only(client, org_a, editor_a, editor_b, reviewer):
    project = place_in_state(create(Project, org_a, editor_a), "published")
    client.force_login(editor_a)
    edit = reverse("project-edit", args=[project.identifier])
    data = current_form(client, edit)
    data["summary_en"] = "A revised summary"
    client.post(edit, data)
    url = reverse("record-review", args=["projects", project.identifier])
    # The draft revision has not reached the platform: the reviewer sees no proposal yet.
    client.force_login(reviewer)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["revision"] is None and "A revised summary" not in page.content.decode()
    client.force_login(editor_a)
    assert act(client, "projects", project.identifier, "submit").status_code == 302
    client.force_login(reviewer)
    page = client.get(url)
    html = page.content.decode()
    assert [change["field"] for change in page.context["changes"]] == ["summary"]
    assert "The first China-Central Asia cultural tourism train." in html  # published
    assert "A revised summary" in html  # proposed
    assert "Approve and publish" in html and "Request changes" in html and "Reject" in html
    # The public record is visible to all, its review is not.
    client.force_login(editor_b)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(reviewer)
    assert act(client, "projects", project.identifier, "approve").status_code == 302
    project.refresh_from_db()
    assert project.summary["en"] == "A revised summary"


def test_history_is_for_members_and_reviewers(client, org_a, editor_a, editor_b, reviewer, admin_a):
    project = create(Project, org_a, editor_a)
    url = reverse("record-history", args=["projects", project.identifier])
    client.force_login(reviewer)
    assert client.get(url).status_code == 404  # a draft never leaves its organization
    act_as(editor_a, project, "submit")
    assert client.get(url).status_code == 200
    act_as(reviewer, project, "approve")
    client.force_login(editor_b)
    assert client.get(url).status_code == 403  # public record, private history
    client.force_login(admin_a)
    page = client.get(url)
    assert [entry.action for entry in page.context["entries"]] == ["create", "submit", "approve"]
    assert "Approved and published" in page.content.decode()


def render_partial(rf, user, record) -> str:
    """The partial as the public detail pages include it (record in the context)."""
    request = rf.get(f"/{record.record_type}/{record.identifier}/")
    request.user = user or AnonymousUser()
    return render_to_string(
        "projects/records/_record_actions.html", {"record": record}, request=request
    )


def test_the_actions_partial_offers_each_user_their_buttons(rf, org_a, editor_a, admin_a, reviewer):
    project = place_in_state(create(Project, org_a, editor_a), "published")
    assert render_partial(rf, None, project).strip() == ""
    html = render_partial(rf, editor_a, project)
    # One decision form, posting to one route (issue 18); one action: its hidden name, its button.
    assert 'action="/projects/CN-XIAN-P-0001/decision/"' in html
    assert 'name="action" value="reconfirm"' in html and 'type="radio"' not in html
    assert "/projects/CN-XIAN-P-0001/edit/" in html and 'value="archive"' not in html
    html = render_partial(rf, admin_a, project)
    assert html.count('name="action" type="radio"') == 0  # attribute order below
    assert 'type="radio" name="action" value="archive"' in html
    assert 'type="radio" name="action" value="reconfirm"' in html
    assert html.count('id="decision-comment"') == 1 and "(required for: Archive)" in html
    html = render_partial(rf, reviewer, project)
    assert 'name="action" value="archive"' in html and "/edit/" not in html
    assert "reconfirm" not in html


def test_every_workflow_action_has_its_words():
    from projects.choices import AuditEvent, WorkflowAction
    from projects.domain.workflow import TRANSITIONS
    from projects.pages.records import ACTION_DONE

    assert set(TRANSITIONS) == set(WorkflowAction.values) == set(ACTION_DONE)
    assert set(TRANSITIONS) <= set(AuditEvent.values)
