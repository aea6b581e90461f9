"""The one decision form (issue 18): the action chosen on one form with one comment, posted to
one route per record; the actions refused for who the person is are named with the reason; the
comment that sent a record back stands where its editor looks; submit says where it goes; a
final action is asked once more."""

from django.urls import reverse

from accounts.models import PlatformRole
from projects.models import Project
from tests.factories import member
from tests.projects.factories import act, create, place_in_state


def decide(client, record, action=None, comment="", **more):
    data = {"comment": comment, **more}
    if action is not None:
        data["action"] = action
    return client.post(reverse("record-decision", args=["projects", record.identifier]), data)


def state_of(record) -> str:
    return Project.objects.unscoped("test").get(pk=record.pk).workflow_state


def review_page(client, record) -> str:
    page = client.get(reverse("record-review", args=["projects", record.identifier]))
    assert page.status_code == 200
    return page.content.decode()


def test_a_reviewer_decides_on_one_form(client, org_a, editor_a, reviewer):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    detail = client.get(f"/projects/{project.identifier}/").content.decode()
    assert "Submit to the secretariat for review" in detail
    assert decide(client, project, "submit").status_code == 302
    assert state_of(project) == "submitted"

    client.force_login(reviewer)
    html = review_page(client, project)
    assert html.count('id="decision-form"') == 1 and html.count("<textarea") == 1
    for action in ("approve", "request_changes", "reject"):
        assert f'type="radio" name="action" value="{action}"' in html
    # No action chosen, or no comment where one is needed: said, and nothing changes.
    nothing = decide(client, project, comment="Looks fine")
    assert nothing.status_code == 400
    assert "Choose what to do with the record." in nothing.content.decode()
    no_comment = decide(client, project, "request_changes")
    assert no_comment.status_code == 400
    assert "A comment is required" in no_comment.content.decode()
    assert decide(client, project, "publish_now", "x").status_code == 400
    assert state_of(project) == "submitted"
    sent = decide(client, project, "request_changes", "Add the budget source.")
    assert sent.status_code == 302 and state_of(project) == "changes_requested"

    # The editor reads the comment on the dashboard, the record page and the edit page.
    client.force_login(editor_a)
    dashboard = client.get(reverse("dashboard")).content.decode()
    section = dashboard.split('id="changes-requested"')[1].split("</section>")[0]
    assert "Add the budget source." in section
    for url in (
        f"/projects/{project.identifier}/",
        reverse("project-edit", args=[project.identifier]),
    ):
        page = client.get(url).content.decode()
        assert 'id="latest-comment"' in page and "Add the budget source." in page, url
    # Once resubmitted, the comment has been answered: it no longer stands on the record page.
    assert decide(client, project, "submit").status_code == 302
    page = client.get(f"/projects/{project.identifier}/").content.decode()
    assert 'id="latest-comment"' not in page


def test_an_action_refused_for_who_you_are_is_named_with_the_reason(client, org_a):
    editing_reviewer = member(org_a, "editor", username="editing-reviewer")
    editing_reviewer.platform_role = PlatformRole.REVIEWER
    editing_reviewer.save()
    project = create(Project, org_a, editing_reviewer)
    act(editing_reviewer, project, "submit")
    client.force_login(editing_reviewer)
    html = review_page(client, project)
    refused = html.split('id="not-yours"')[1].split("</div>")[0]
    assert "Approve and publish" in refused and "you submitted it" in refused
    assert 'value="approve"' not in html
    # Request changes and reject stay theirs (the four-eyes rule is about approving).
    assert 'value="request_changes"' in html
    forced = decide(client, project, "approve")
    assert forced.status_code == 403 and state_of(project) == "submitted"


def test_an_admin_sends_back_at_sign_off(client, org_a, editor_a, admin_a):
    org_a.requires_signoff = True
    org_a.save()
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    detail = client.get(f"/projects/{project.identifier}/").content.decode()
    assert "Submit to your organization&#x27;s admin for sign-off" in detail
    assert decide(client, project, "submit").status_code == 302
    assert state_of(project) == "pending_signoff"
    # The editor who submitted cannot send it back to themself.
    assert decide(client, project, "request_changes", "No.").status_code == 403

    client.force_login(admin_a)
    html = review_page(client, project)
    for action in ("signoff", "withdraw", "request_changes"):
        assert f'type="radio" name="action" value="{action}"' in html, action
    assert decide(client, project, "request_changes", "Name the partner city.").status_code == 302
    assert state_of(project) == "changes_requested"
    client.force_login(editor_a)
    page = client.get(reverse("project-edit", args=[project.identifier])).content.decode()
    assert "Name the partner city." in page


def test_archiving_is_asked_once_more(client, org_a, editor_a, admin_a):
    project = place_in_state(create(Project, org_a, editor_a), "published")
    client.force_login(admin_a)
    asked = decide(client, project, "archive", "Finished in 2025.")
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "can no longer be edited" in html and 'name="confirmed" value="yes"' in html
    assert 'name="comment" value="Finished in 2025."' in html
    assert state_of(project) == "published"
    # The action's own route (a promise) asks the same way.
    own = client.post(
        reverse("record-action", args=["projects", project.identifier, "archive"]),
        {"comment": "Finished in 2025."},
    )
    assert own.status_code == 200 and state_of(project) == "published"
    done = decide(client, project, "archive", "Finished in 2025.", confirmed="yes")
    assert done.status_code == 302 and state_of(project) == "archived"


def test_archiving_without_a_comment_is_refused_before_asking(client, org_a, editor_a, admin_a):
    project = place_in_state(create(Project, org_a, editor_a), "published")
    client.force_login(admin_a)
    refused = decide(client, project, "archive")
    assert refused.status_code == 400 and "A comment is required" in refused.content.decode()
    client.force_login(editor_a)
    assert decide(client, project, "archive", "x").status_code == 403
    assert state_of(project) == "published"


def test_a_refused_decision_comes_back_with_the_form_as_it_was(client, org_a, editor_a, reviewer):
    """GOV.UK: the error says what to fix and links to the field; the form keeps the choice."""
    project = create(Project, org_a, editor_a)
    act(editor_a, project, "submit")
    client.force_login(reviewer)
    refused = decide(client, project, "reject")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert '<a href="#decision-comment">' in html
    assert 'id="decision-reject" required checked' in html
    assert 'aria-invalid="true"' in html
    assert state_of(project) == "submitted"
