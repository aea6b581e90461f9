"""Generated identifiers under parallel creates (projects.domain.identifiers, issue 19).

The fault drill (deploy/drill.py) sent creates from several threads through two app servers:
requests that drew the same next number inside their still-open transactions answered 400
("already in use", or the model's unique check). Each create must get its own identifier.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from projects.domain import services
from projects.models import Project
from registry.tenancy import Actor
from tests.projects.factories import project_data

PARALLEL = 8


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_creates_each_get_their_own_generated_identifier(org_a, editor_a):
    barrier = threading.Barrier(PARALLEL)

    def create_one(number: int):
        try:
            actor = Actor.for_user(editor_a)
            barrier.wait()
            # As in a request: the create runs inside the request's transaction, which commits
            # a moment after the identifier was drawn.
            with transaction.atomic():
                record = services.create_record(
                    actor, Project, org_a, project_data(title={"en": f"parallel {number}"})
                )
                time.sleep(0.05)
            return record.identifier
        except Exception as exc:  # reported by the assertion below
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(create_one, range(PARALLEL)))
    assert all(isinstance(result, str) for result in results), results
    assert len(set(results)) == PARALLEL
    assert Project.objects.unscoped("test").filter(organization=org_a).count() == PARALLEL


@pytest.mark.django_db
def test_a_submitted_ref_already_taken_is_still_refused(org_a, editor_a):
    actor = Actor.for_user(editor_a)
    services.create_record(actor, Project, org_a, project_data(), ref="TRAIN-1")
    with pytest.raises(Exception, match="already in use"):
        services.create_record(actor, Project, org_a, project_data(), ref="TRAIN-1")
