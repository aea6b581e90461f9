"""The records in the Django admin: browsable, filterable; states move only by workflow actions."""

import pytest
from django.contrib.messages import get_messages

from projects.models import Project
from tests.factories import member
from tests.projects.factories import create, place_in_state

CHANGELIST = "/admin/projects/project/"


@pytest.fixture
def records(org_a, secretariat):
    editor = member(org_a, "editor")
    submitted = place_in_state(create(Project, org_a, editor), "submitted", submitted_by=editor)
    draft = create(Project, org_a, editor, ref="TRAIN-DRAFT")
    own = create(Project, secretariat, member(secretariat, "editor"))
    return {"submitted": submitted, "draft": draft, "own": own}


def test_changelist_filters_and_search(client, platform_admin, records):
    client.force_login(platform_admin)
    page = client.get(CHANGELIST, {"workflow_state": "submitted"})
    assert page.status_code == 200
    assert records["submitted"].identifier in page.text
    assert records["draft"].identifier not in page.text
    page = client.get(CHANGELIST, {"q": "TRAIN-DRAFT", "category": "tourism_train"})
    assert records["draft"].identifier in page.text
    assert records["submitted"].identifier not in page.text
    page = client.get(f"{CHANGELIST}{records['draft'].pk}/change/")
    assert page.status_code == 200
    assert 'name="workflow_state"' not in page.text  # read-only


def test_others_cannot_open_the_admin(client, reviewer, records):
    client.force_login(reviewer)
    assert client.get(CHANGELIST).status_code == 302


def _run(client, action, records):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [record.pk for record in records]},
        follow=True,
    )


def test_approve_selected_goes_through_the_workflow(client, platform_admin, records):
    client.force_login(platform_admin)
    response = _run(client, "approve_selected", [records["submitted"]])
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    # A platform admin is not a reviewer (SPEC 5): the workflow refuses, the admin says why.
    assert any("Only the reviewer may approve" in m for m in messages), messages
    records["submitted"].refresh_from_db()
    assert records["submitted"].workflow_state == "submitted"


def test_submit_selected_applies_the_rules(client, platform_admin, records):
    client.force_login(platform_admin)  # admin of the secretariat
    response = _run(client, "submit_selected", [records["own"], records["draft"]])
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    records["own"].refresh_from_db()
    records["draft"].refresh_from_db()
    assert records["own"].workflow_state == "submitted"
    assert records["draft"].workflow_state == "draft"
    assert any(records["draft"].identifier in m and "Only the" in m for m in messages), messages
    assert any("1 record(s)" in m for m in messages), messages
