"""Two concurrent actions on one record over HTTP: one 200, the other 409 (SPEC 5)."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from rest_framework.test import APIClient

from accounts.models import PlatformRole
from projects.models import Project
from tests.factories import OrganizationFactory, member
from tests.projects.factories import create, place_in_state


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_parallel_approvals_over_http(settings):
    settings.API_THROTTLE_RATES = {"anon": "999/minute", "key": "999/minute", "user": "999/minute"}
    cache.clear()
    owner = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    secretariat = OrganizationFactory(slug="secretariat", identifier_prefix="SRR")
    editor = member(owner, "editor")
    clients = []
    for name in ("reviewer-1", "reviewer-2"):
        user = member(secretariat, "viewer", username=name)
        user.platform_role = PlatformRole.REVIEWER
        user.save()
        client = APIClient()
        client.force_login(user)
        clients.append(client)
    record = place_in_state(
        create(Project, owner, editor, ref="RACE"), "submitted", submitted_by=editor
    )
    url = f"/api/v1/projects/{record.identifier}/approve/"
    statuses = []
    start = threading.Barrier(2)

    def approve(client):
        try:
            start.wait()
            statuses.append(client.post(url).status_code)
        finally:
            connections.close_all()

    # Hold the row lock so both requests queue on it, then let them race.
    with transaction.atomic():
        Project.objects.unscoped("test: hold the row lock").select_for_update().get(pk=record.pk)
        threads = [threading.Thread(target=approve, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    assert Project.objects.unscoped("test").get(pk=record.pk).workflow_state == "published"
