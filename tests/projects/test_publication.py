"""The life of a record: draft, sign-off, review, publication, pending revision, archive."""

import pytest
from django.core.exceptions import ValidationError

from projects.domain import revisions, services, workflow
from projects.domain.errors import InvalidTransition, RecordLocked, StaleVersion
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor, visible
from tests.projects.factories import act, create, project_data


@pytest.mark.parametrize("model", [Project, Zone, Contact])
def test_draft_to_published(model, org_a, editor_a, reviewer):
    record = create(model, org_a, editor_a)
    assert record.workflow_state == "draft" and record.version == 1
    record = act(editor_a, record, "submit")
    assert record.workflow_state == "submitted"
    record = act(reviewer, record, "approve", comment="Looks right.")
    assert record.workflow_state == "published"
    assert record.published_at is not None and record.confirmed_at is not None
    assert record.version == 3
    public = visible(Actor.anonymous(), model).get(pk=record.pk)
    assert public.identifier == record.identifier
    entries = list(workflow.history(Actor.for_user(editor_a), record))
    assert [(e.action, e.from_state, e.to_state) for e in entries] == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "published"),
    ]
    assert entries[2].comment == "Looks right."
    assert entries[2].actor == reviewer
    assert entries[2].version == 3


def test_generated_identifiers_are_short_sequences(org_a, editor_a):
    first = create(Project, org_a, editor_a)
    second = create(Project, org_a, editor_a)
    zone = create(Zone, org_a, editor_a)
    assert (first.identifier, second.identifier) == ("CN-XIAN-P-0001", "CN-XIAN-P-0002")
    assert zone.identifier == "CN-XIAN-Z-0001"


def test_published_edit_waits_in_a_revision_until_approved(org_a, editor_a, reviewer):
    record = create(Project, org_a, editor_a)
    act(editor_a, record, "submit")
    record = act(reviewer, record, "approve")
    anonymous = Actor.anonymous()

    new_title = {"en": "Xi'an-Almaty train, second season"}
    record = services.update_record(
        Actor.for_user(editor_a), record, {"title": new_title}, expected_version=record.version
    )
    assert visible(anonymous, Project).get(pk=record.pk).title["en"].startswith("Xi'an-Almaty c")
    assert revisions.diff(record) == [
        {"field": "title", "published": record.title, "proposed": new_title}
    ]
    record = act(editor_a, record, "submit")
    assert record.workflow_state == "published"
    assert visible(anonymous, Project).get(pk=record.pk).title != new_title
    queue = workflow.review_queue(Actor.for_user(reviewer))
    assert [r.identifier for r in queue] == [record.identifier]
    assert queue[0].pending_revision.number == 1
    record = act(reviewer, record, "approve")
    assert visible(anonymous, Project).get(pk=record.pk).title == new_title
    assert revisions.proposed_content(record) is None
    last = list(workflow.history(Actor.for_user(editor_a), record))[-1]
    assert (last.action, last.revision, last.changed_fields) == ("approve", 1, ["title"])


def test_stale_version_changes_nothing(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    with pytest.raises(StaleVersion) as error:
        services.update_record(
            Actor.for_user(editor_a), record, {"tags": ["x"]}, expected_version=record.version + 5
        )
    assert error.value.current_version == 1
    record.refresh_from_db()
    assert record.tags == project_data()["tags"]


def test_submitted_record_is_locked(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    act(editor_a, record, "submit")
    with pytest.raises(RecordLocked):
        services.update_record(Actor.for_user(editor_a), record, {"tags": ["x"]})


def test_incomplete_record_cannot_be_submitted(org_a, editor_a):
    record = create(Project, org_a, editor_a, summary={}, locations=[])
    with pytest.raises(ValidationError) as error:
        act(editor_a, record, "submit")
    assert set(error.value.message_dict) == {"summary", "locations"}


def test_a_project_needs_a_planned_start_to_be_submitted(org_a, editor_a):
    """IATI needs a start date (rule 6.11.1): the planned start is required to publish."""
    record = create(Project, org_a, editor_a, planned_start="", planned_end="")
    with pytest.raises(ValidationError) as error:
        act(editor_a, record, "submit")
    assert set(error.value.message_dict) == {"planned_start"}
    services.update_record(Actor.for_user(editor_a), record, {"planned_start": "2026-05-01"})
    record.refresh_from_db()
    assert act(editor_a, record, "submit").workflow_state != "draft"


def test_approve_twice_conflicts(org_a, editor_a, reviewer):
    record = create(Project, org_a, editor_a)
    act(editor_a, record, "submit")
    act(reviewer, record, "approve")
    with pytest.raises(InvalidTransition):
        act(reviewer, record, "approve")


def test_unreadable_expected_version_is_stale(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    for version in ("abc", "", [1]):
        with pytest.raises(StaleVersion):
            services.update_record(
                Actor.for_user(editor_a), record, {"tags": []}, expected_version=version
            )
        with pytest.raises(StaleVersion):
            act(editor_a, record, "submit", expected_version=version)
    record.refresh_from_db()
    assert (record.version, record.workflow_state) == (1, "draft")


def test_unchanged_edit_of_published_record_opens_no_revision(org_a, editor_a, reviewer):
    record = create(Project, org_a, editor_a)
    act(editor_a, record, "submit")
    record = act(reviewer, record, "approve")
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": record.tags})
    assert revisions.proposed_content(record) is None
    assert record.version == 3


def test_completeness_and_freshness(org_a, editor_a, reviewer):
    import datetime

    from projects.domain.content import completeness
    from projects.domain.freshness import freshness

    record = create(Project, org_a, editor_a)
    score, missing = completeness(record)
    assert 0 < score < 100
    assert "description" in missing and "planned_start" not in missing
    assert freshness(record) is None
    act(editor_a, record, "submit")
    record = act(reviewer, record, "approve")
    assert freshness(record) == "current"
    later = record.confirmed_at + datetime.timedelta(days=400)
    assert freshness(record, later) == "stale"
    assert freshness(record, later + datetime.timedelta(days=400)) == "inactive"
    record = workflow.reconfirm(Actor.for_user(editor_a), record)
    assert freshness(record) == "current"
