"""Races the services must win on PostgreSQL: row and table locks between connections."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from accounts.domain import services
from accounts.models import Organization, SisterCityLink
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, member

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(calls, hold_lock):
    """Start `calls` together while `hold_lock` (a function) keeps them queued; their outcomes."""
    outcomes = []
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait()
            call()
            outcomes.append("ok")
        except ValidationError as refusal:
            outcomes.append(refusal)
        finally:
            connections.close_all()

    with transaction.atomic():
        hold_lock()
        threads = [threading.Thread(target=run, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_reverse_proposals_at_once_make_one_link():
    urumqi = OrganizationFactory(slug="urumqi", identifier_prefix="CN-URUMQI", country="CN")
    samarkand = OrganizationFactory(slug="samarkand", identifier_prefix="UZ-SAM", country="UZ")
    urumqi_admin = Actor.for_user(member(urumqi, "admin"))
    samarkand_admin = Actor.for_user(member(samarkand, "admin"))

    def hold_both_rows():
        list(Organization.objects.select_for_update().filter(pk__in=[urumqi.pk, samarkand.pk]))

    outcomes = race(
        [
            lambda: services.propose_link(urumqi_admin, urumqi, samarkand),
            lambda: services.propose_link(samarkand_admin, samarkand, urumqi),
        ],
        hold_both_rows,
    )
    assert outcomes.count("ok") == 1, outcomes
    (refusal,) = [outcome for outcome in outcomes if outcome != "ok"]
    assert "link that is proposed" in refusal.message_dict["partner"][0]
    assert SisterCityLink.objects.unscoped("test").count() == 1


def test_two_overlapping_prefixes_created_at_once_one_is_refused():
    def hold_the_table():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Organization._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")

    outcomes = race(
        [
            lambda: services.create_organization("china", "China", "partner", "CN", "CN"),
            lambda: services.create_organization(
                "xian", "Xi'an", "local_government", "CN", "CN-XIAN"
            ),
        ],
        hold_the_table,
    )
    assert outcomes.count("ok") == 1, outcomes
    (refusal,) = [outcome for outcome in outcomes if outcome != "ok"]
    assert "globally unique" in refusal.message_dict["identifier_prefix"][0]
    assert Organization.objects.count() == 1
