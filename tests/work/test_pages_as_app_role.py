"""The signed-in pages connected as the application's least-privilege database role (issue 10):
the whole workflow through the pages runs under row-level security. A page that needed a row its
user's policies do not show would fail here (a 404, a 500, a missing list entry)."""

import pytest

from registry import rls
from tests.rls.conftest import as_app_role, database_roles  # noqa: F401 (the fixtures)
from tests.work.test_workflow_pages import make_people, the_whole_workflow

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):  # noqa: F811
    pass


def test_the_whole_workflow_under_row_level_security(client, org_a, org_b, secretariat):
    with rls.system_context("test setup: people of three organizations"):
        people = make_people(org_a, org_b, secretariat)
    the_whole_workflow(client, people, org_b)
