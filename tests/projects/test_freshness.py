"""SPEC 5 "Freshness and completeness": the stored score, the freshness of published records,
`reconfirm`, and the reminders of `manage.py send_freshness_reminders`."""

import datetime
import importlib
from io import StringIO

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from projects.domain import reminders, services, workflow
from projects.domain.content import OPTIONAL_FIELDS, completeness, content_of
from projects.domain.errors import InvalidTransition
from projects.domain.freshness import freshness, freshness_condition, months_before
from projects.models import AuditEntry, Contact, Project, Zone
from registry.tenancy import Actor, NotAllowed, visible
from tests.factories import member
from tests.projects.factories import act, create, place_in_state

FULL_PROJECT = {
    "description": {"en": "Weekly departures from Xi'an to Almaty."},
    "actual_start": "2025-06-01",
    "actual_end": "2027-12-31",
    "documents": [{"title": "Timetable", "url": "https://example.org/timetable.pdf"}],
    "expected_outcomes": {"en": "More visitors both ways."},
}


def stored(record) -> int:
    return (
        type(record).objects.unscoped("test: read the stored score").get(pk=record.pk).completeness
    )


def confirmed_months_ago(record, months, days=0):
    """Set confirmed_at as if the owner last confirmed the record that long ago."""
    moment = months_before(timezone.now(), months) - datetime.timedelta(days=days)
    type(record).objects.unscoped("test setup").filter(pk=record.pk).update(confirmed_at=moment)
    record.refresh_from_db()
    return record


def published(model, organization, user, **overrides):
    return place_in_state(create(model, organization, user, **overrides), "published")


# --- Completeness ------------------------------------------------------------------------------


def test_a_bare_project_scores_zero_and_a_full_one_a_hundred(org_a, editor_a, reviewer):
    bare = services.create_record(
        Actor.for_user(editor_a),
        Project,
        org_a,
        {"title": {"en": "Bare"}, "category": "other", "countries": ["CN"]},
    )
    assert stored(bare) == 0
    assert completeness(bare) == (0, list(OPTIONAL_FIELDS[Project]))
    zone = create(Zone, org_a, editor_a, ref="KHORGOS")
    full = create(Project, org_a, editor_a, ref="FULL", zones=[zone.identifier], **FULL_PROJECT)
    assert completeness(full) == (100, [])
    assert stored(full) == 100


@pytest.mark.parametrize("model", [Project, Zone, Contact])
def test_the_stored_score_is_the_score_of_the_content(model, org_a, editor_a):
    record = create(model, org_a, editor_a)
    score, missing = completeness(record)
    assert stored(record) == score
    assert 0 < score < 100 and missing
    assert set(missing) <= set(OPTIONAL_FIELDS[model])


def test_an_edit_in_place_rescores(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    before = stored(record)
    record = services.update_record(
        Actor.for_user(editor_a), record, {"description": {"en": "More detail."}}
    )
    assert stored(record) > before
    assert stored(record) == completeness(record)[0]
    richer = stored(record)
    record = services.update_record(Actor.for_user(editor_a), record, {"website": ""})
    assert stored(record) < richer
    assert stored(record) == completeness(record)[0]
    assert "website" in completeness(record)[1]


def test_a_pending_revision_changes_the_score_only_when_approved(org_a, editor_a, reviewer):
    record = create(Project, org_a, editor_a)
    act(editor_a, record, "submit")
    record = act(reviewer, record, "approve")
    published_score = stored(record)
    services.update_record(Actor.for_user(editor_a), record, FULL_PROJECT)
    assert stored(record) == published_score  # the published content is unchanged
    act(editor_a, record, "submit")
    record = act(reviewer, record, "approve")
    assert stored(record) > published_score
    assert stored(record) == completeness(record)[0]
    assert "description" not in completeness(record)[1]


def test_deleting_a_linked_draft_rescores_the_records_linking_to_it(org_a, editor_a):
    zone = create(Zone, org_a, editor_a, ref="KHORGOS")
    project = create(Project, org_a, editor_a, zones=[zone.identifier])
    with_zone = stored(project)
    services.delete_record(Actor.for_user(editor_a), zone)
    project.refresh_from_db()
    assert stored(project) < with_zone
    assert "zones" in completeness(project)[1]


def test_the_score_is_never_out_of_range(org_a, editor_a):
    from django.db import IntegrityError, transaction

    record = create(Zone, org_a, editor_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.unscoped("test: break the rule").filter(pk=record.pk).update(completeness=101)


def test_the_migration_scores_existing_records_as_the_services_do(org_a, editor_a):
    from django.apps import apps

    from registry.models import system_access

    migration = importlib.import_module("projects.migrations.0003_record_completeness")
    zone = create(Zone, org_a, editor_a, ref="KHORGOS")
    records = [
        create(Project, org_a, editor_a, zones=[zone.identifier]),
        create(Contact, org_a, editor_a, zones=[zone.identifier]),
        zone,
    ]
    expected = [stored(record) for record in records]
    with system_access("test: the data migration reads every row"):
        for model in (Project, Zone, Contact):
            model.objects.update(completeness=0)
        migration.score_existing_records(apps, None)
    # 0003 scored projects with the planned start still optional (0011 scores them again).
    records, expected = records[1:], expected[1:]
    assert [stored(record) for record in records] == expected
    assert {
        model: tuple(migration.OPTIONAL_FIELDS[model._meta.model_name]) for model in (Zone, Contact)
    } == {Zone: OPTIONAL_FIELDS[Zone], Contact: OPTIONAL_FIELDS[Contact]}


def test_the_planned_start_migration_scores_projects_as_the_services_do(org_a, editor_a):
    """0011: the planned start left the optional fields (it is needed to publish)."""
    from django.apps import apps

    from registry.models import system_access

    migration = importlib.import_module(
        "projects.migrations.0011_planned_start_required_to_publish"
    )
    zone = create(Zone, org_a, editor_a, ref="KHORGOS")
    records = [
        create(Project, org_a, editor_a, ref="LINKED", zones=[zone.identifier]),
        create(Project, org_a, editor_a, ref="BARE", website="", documents=[]),
    ]
    expected = [stored(record) for record in records]
    with system_access("test: the data migration reads every row"):
        Project.objects.update(completeness=0)
        migration.score_projects(apps, None)
    assert [stored(record) for record in records] == expected
    assert OPTIONAL_FIELDS[Project] == migration.PROJECT_OPTIONAL_FIELDS


# --- Freshness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "months, expected",
    [(0, "current"), (11, "current"), (13, "stale"), (25, "inactive")],
)
@pytest.mark.parametrize("model", [Project, Zone, Contact])
def test_freshness_after_months_without_confirmation(model, months, expected, org_a, editor_a):
    record = confirmed_months_ago(published(model, org_a, editor_a), months)
    assert freshness(record) == expected
    anyone = visible(Actor.anonymous(), model)
    found = {
        value: list(anyone.filter(freshness_condition(value)).values_list("pk", flat=True))
        for value in ("current", "stale", "inactive")
    }
    assert found == {
        value: [record.pk] if value == expected else []
        for value in ("current", "stale", "inactive")
    }


def test_the_thresholds_are_twelve_and_twenty_four_calendar_months(org_a, editor_a):
    record = published(Project, org_a, editor_a)
    at = datetime.datetime(2024, 5, 15, 10, tzinfo=datetime.UTC)
    Project.objects.unscoped("test setup").filter(pk=record.pk).update(confirmed_at=at)
    record.refresh_from_db()
    second = datetime.timedelta(seconds=1)
    year_later = datetime.datetime(2025, 5, 15, 10, tzinfo=datetime.UTC)
    assert freshness(record, year_later) == "current"
    assert freshness(record, year_later + second) == "stale"
    two_years_later = datetime.datetime(2026, 5, 15, 10, tzinfo=datetime.UTC)
    assert freshness(record, two_years_later) == "stale"
    assert freshness(record, two_years_later + second) == "inactive"


def test_months_before_keeps_the_end_of_short_months():
    moment = datetime.datetime(2024, 3, 31, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 1) == datetime.datetime(2024, 2, 29, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 12) == datetime.datetime(2023, 3, 31, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 3) == datetime.datetime(2023, 12, 31, 12, tzinfo=datetime.UTC)


def test_freshness_is_only_for_published_records(org_a, editor_a, admin_a):
    draft = create(Project, org_a, editor_a, ref="DRAFT")
    assert draft.confirmed_at is None and freshness(draft) is None
    archived = confirmed_months_ago(published(Zone, org_a, editor_a), 30)
    archived = act(admin_a, archived, "archive", comment="The zone closed.")
    assert archived.confirmed_at is not None and freshness(archived) is None
    hidden = visible(Actor.anonymous(), Zone).filter(freshness_condition("inactive"))
    assert not hidden.exists()
    with pytest.raises(ValueError):
        freshness_condition("ancient")


# --- Reconfirm ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Project, Zone, Contact])
def test_reconfirm_makes_a_stale_record_current_and_leaves_its_content(model, org_a, editor_a):
    record = confirmed_months_ago(published(model, org_a, editor_a), 13)
    assert freshness(record) == "stale"
    content, score, old = content_of(record), stored(record), record.confirmed_at
    record = workflow.reconfirm(Actor.for_user(editor_a), record)
    assert freshness(record) == "current" and record.confirmed_at > old
    assert record.workflow_state == "published"
    assert content_of(record) == content and stored(record) == score
    entry = workflow.history(Actor.for_user(editor_a), record).last()
    assert (entry.action, entry.from_state, entry.to_state) == (
        "reconfirm",
        "published",
        "published",
    )
    assert entry.changed_fields == []


def test_reconfirm_is_for_the_owners_editors_and_published_records(org_a, org_b, editor_a):
    viewer = member(org_a, "viewer")
    other = member(org_b, "admin")
    record = confirmed_months_ago(published(Project, org_a, editor_a), 13)
    with pytest.raises(NotAllowed):
        workflow.reconfirm(Actor.for_user(viewer), record)
    with pytest.raises(NotAllowed):
        workflow.reconfirm(Actor.for_user(other), record)
    record.refresh_from_db()
    assert freshness(record) == "stale"
    draft = create(Project, org_a, editor_a, ref="DRAFT")
    with pytest.raises(InvalidTransition):
        workflow.reconfirm(Actor.for_user(editor_a), draft)


# --- Reminders ---------------------------------------------------------------------------------


@pytest.fixture
def ageing(org_a, org_b, editor_a, admin_a):
    """Published records of xian at every age, plus almaty's stale zone and xian's old draft."""
    editor_b = member(org_b, "editor")
    member(org_b, "admin", username="admin-b")
    records = {
        "soon": confirmed_months_ago(published(Project, org_a, editor_a, ref="SOON"), 11, days=10),
        "stale": confirmed_months_ago(published(Zone, org_a, editor_a, ref="STALE"), 13),
        "inactive": confirmed_months_ago(published(Contact, org_a, editor_a, ref="OLD"), 25),
        "fresh": confirmed_months_ago(published(Project, org_a, editor_a, ref="FRESH"), 2),
        "almaty": confirmed_months_ago(published(Zone, org_b, editor_b, ref="STALE"), 14),
    }
    draft = create(Project, org_a, editor_a, ref="DRAFT")
    Project.objects.unscoped("test setup").filter(pk=draft.pk).update(
        confirmed_at=months_before(timezone.now(), 30)
    )
    return records


def run(*args) -> str:
    out = StringIO()
    call_command("send_freshness_reminders", *args, stdout=out)
    return out.getvalue()


def reminder_entries():
    return AuditEntry.objects.unscoped("test: read the reminders").filter(action="reminder")


def test_reminders_go_once_to_each_organizations_admins(ageing, admin_a, mailoutbox):
    output = run()
    assert len(mailoutbox) == 2
    by_recipient = {tuple(mail.to): mail for mail in mailoutbox}
    xian = by_recipient[(admin_a.email,)]
    for name in ("soon", "stale", "inactive"):
        assert ageing[name].identifier in xian.body
    assert ageing["fresh"].identifier not in xian.body
    assert "CN-XIAN-DRAFT" not in xian.body
    assert ageing["almaty"].identifier not in xian.body
    assert "3 records of City government xian need confirming" in xian.subject
    assert xian.alternatives[0][1] == "text/html"  # plain text and HTML (registry.mail)
    almaty = by_recipient[("admin-b@example.org",)]
    assert ageing["almaty"].identifier in almaty.body and "CN-XIAN" not in almaty.body
    assert "xian: 1 turning stale within a month, 1 stale, 1 inactive; mailed 1 admin(s)" in output
    assert (
        "almaty: 0 turning stale within a month, 1 stale, 0 inactive; mailed 1 admin(s)" in output
    )
    assert "Total: 4 record(s) reminded of in 2 organization(s); 2 email(s) sent." in output
    entries = reminder_entries()
    assert sorted(entry.comment.split(":")[0] for entry in entries) == [
        "inactive",
        "stale",
        "stale",
        "stale_soon",
    ]
    assert {(e.from_state, e.to_state, e.actor_id) for e in entries} == {
        ("published", "published", None)
    }


def test_a_second_run_sends_nothing_new(ageing, mailoutbox):
    run()
    sent = len(mailoutbox)
    output = run()
    assert len(mailoutbox) == sent
    assert "xian: 1 turning stale" not in output
    assert (
        "xian: 0 turning stale within a month, 0 stale, 0 inactive (3 already reminded)" in output
    )
    assert "Total: 0 record(s) reminded of in 0 organization(s); 0 email(s) sent." in output
    assert reminder_entries().count() == 4


def test_a_dry_run_sends_and_records_nothing(ageing, mailoutbox):
    output = run("--dry-run")
    assert mailoutbox == []
    assert not reminder_entries().exists()
    assert (
        "xian: 1 turning stale within a month, 1 stale, 1 inactive; would mail 1 admin(s)" in output
    )
    assert "2 email(s) would go out; dry run, nothing sent or recorded." in output
    run()
    assert len(mailoutbox) == 2


def test_the_next_threshold_is_reminded_of_again(ageing, editor_a, mailoutbox):
    reminders.send_freshness_reminders()
    mailoutbox.clear()
    next_month = timezone.now() + datetime.timedelta(days=31)
    reports = reminders.send_freshness_reminders(now=next_month)
    assert len(mailoutbox) == 1
    assert ageing["soon"].identifier in mailoutbox[0].body
    (report,) = [report for report in reports if report.sent]
    assert [r.identifier for r in report.due["stale"]] == [ageing["soon"].identifier]
    # Reconfirmed, the record starts over: nothing until it is due again.
    workflow.reconfirm(Actor.for_user(editor_a), ageing["soon"])
    mailoutbox.clear()
    reminders.send_freshness_reminders(now=next_month)
    assert mailoutbox == []


def test_no_admin_with_an_email_means_nothing_recorded(org_a, editor_a, mailoutbox):
    confirmed_months_ago(published(Zone, org_a, editor_a, ref="STALE"), 13)
    output = run()
    assert mailoutbox == []
    assert "NOT SENT: the organization has no admin with an email address" in output
    assert not reminder_entries().exists()


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


def test_a_refused_mail_records_nothing_and_fails_the_command(ageing, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    out = StringIO()
    with pytest.raises(CommandError, match="xian"):
        call_command("send_freshness_reminders", stdout=out)
    assert "NOT SENT: the mail server refused the connection" in out.getvalue()
    assert not reminder_entries().exists()
