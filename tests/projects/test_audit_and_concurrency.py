"""The audit log is append-only in the database itself; concurrent actions serialize (SPEC 5)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError, InternalError, OperationalError

from accounts.models import PlatformRole
from projects.domain import workflow
from projects.domain.errors import InvalidTransition
from projects.models import AuditEntry, Project
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, member
from tests.projects.factories import create

REFUSED = (IntegrityError, InternalError, OperationalError)


@pytest.fixture
def entry(org_a):
    editor = member(org_a, "editor")
    record = create(Project, org_a, editor)
    return AuditEntry.objects.unscoped("test").get(object_id=record.pk, action="create")


def test_raw_update_of_the_audit_log_fails(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET comment = %s WHERE id = %s", ["forged", entry.pk])
    entry.refresh_from_db()
    assert entry.comment == ""


def test_raw_delete_of_the_audit_log_fails(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.unscoped("test").filter(pk=entry.pk).exists()


def test_orm_update_and_delete_of_the_audit_log_fail(entry):
    entries = AuditEntry.objects.unscoped("test").filter(pk=entry.pk)
    with pytest.raises(REFUSED), transaction.atomic():
        entries.update(action="approve")
    with pytest.raises(REFUSED), transaction.atomic():
        entries.delete()
    assert entries.get().action == "create"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_parallel_approvals_one_wins():
    owner = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    secretariat = OrganizationFactory(slug="secretariat", identifier_prefix="SRR")
    editor = member(owner, "editor")
    reviewers = []
    for name in ("reviewer-1", "reviewer-2"):
        user = member(secretariat, "viewer", username=name)
        user.platform_role = PlatformRole.REVIEWER
        user.save()
        reviewers.append(user)
    record = create(Project, owner, editor)
    workflow.perform(Actor.for_user(editor), Project, record.identifier, "submit")

    outcomes = []
    start = threading.Barrier(2)

    def approve(user):
        try:
            start.wait()
            workflow.perform(Actor.for_user(user), Project, record.identifier, "approve")
            outcomes.append("published")
        except InvalidTransition as refusal:
            outcomes.append(("conflict", refusal.message))
        finally:
            connections.close_all()

    # Hold the row lock so that both approvals are queued on it, then let them race.
    with transaction.atomic():
        Project.objects.unscoped("test: hold the row lock").select_for_update().get(pk=record.pk)
        threads = [threading.Thread(target=approve, args=(user,)) for user in reviewers]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("published") == 1, outcomes
    (conflict,) = [outcome for outcome in outcomes if outcome != "published"]
    assert "published" in conflict[1]
    record.refresh_from_db()
    assert record.workflow_state == "published"
    assert record.version == 3
    approvals = AuditEntry.objects.unscoped("test").filter(object_id=record.pk, action="approve")
    assert approvals.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_public_events_commit_in_the_order_of_their_ids():
    """The changes feed reads events after an id; a later id must never be visible first."""
    from projects.domain import audit

    owner = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    editor = member(owner, "editor")
    first, second = create(Project, owner, editor), create(Project, owner, editor)
    actor = Actor.for_user(editor)
    first_inserted, second_done = threading.Event(), threading.Event()
    # When each insert came back, and when each transaction was about to commit: both are
    # read inside the transaction, so no thread scheduling after a commit can reorder them.
    inserted_at, committing_at = {}, {}

    def publish(record, *, hold_open):
        try:
            with transaction.atomic():
                audit.record(actor, "approve", record, from_state="submitted", to_state="published")
                inserted_at[record.pk] = time.monotonic()
                if hold_open:
                    first_inserted.set()
                    # While this transaction is open, the other event must not get past its
                    # insert; if it did, this rolls back and the first event is missing below.
                    assert not second_done.wait(timeout=1.0)
                committing_at[record.pk] = time.monotonic()
        finally:
            connections.close_all()

    holder = threading.Thread(target=publish, args=(first,), kwargs={"hold_open": True})
    holder.start()
    assert first_inserted.wait(timeout=10)

    def publish_second():
        publish(second, hold_open=False)
        second_done.set()

    follower = threading.Thread(target=publish_second)
    follower.start()
    holder.join(timeout=20)
    follower.join(timeout=20)

    assert second_done.is_set()
    # The second insert came back only once the first transaction had reached its commit.
    assert committing_at[first.pk] < inserted_at[second.pk]
    events = AuditEntry.objects.unscoped("test").filter(action="approve").order_by("id")
    assert [entry.object_id for entry in events] == [first.pk, second.pk]
