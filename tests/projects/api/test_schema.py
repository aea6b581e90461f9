"""The OpenAPI document matches the API: schemathesis drives every GET operation in-process.

Fixed seed (derandomized), 20 examples per operation, signed out and as an editor with an API
key; no answer may be a 5xx, undocumented, of an undocumented content type, or off-schema.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from projects.models import Project, Zone
from tests.projects.api.conftest import issue, published
from tests.projects.factories import create

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def wsgi_app(db):
    """The real WSGI application, sharing the test's database transaction (as Django's test
    client does: no connection closing between requests)."""
    from registry.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(org_a, editor_a):
    published(Project, org_a, editor_a, ref="TRAIN")
    published(Zone, org_a, editor_a, ref="KHORGOS")
    create(Project, org_a, editor_a, ref="DRAFT")


def test_schema_is_served_and_describes_security(api, db):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerKey"]["scheme"] == "bearer"
    create_op = document["paths"]["/api/v1/projects/"]["post"]
    assert "requestBody" in create_op and "201" in create_op["responses"]
    submit = document["paths"]["/api/v1/projects/{identifier}/submit/"]["post"]
    assert {"400", "403", "404", "409", "412"} <= set(submit["responses"])


def test_swagger_ui_is_served_without_the_internet(api, db):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html.replace("http://testserver", "")
    # Its start-up script is a file of its own (no inline script, for the CSP) that loads the
    # schema from this server.
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


@pytest.mark.parametrize("caller", ["anonymous", "editor"])
def test_schemathesis_get_operations(caller, wsgi_app, seeded, org_a, editor_a):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    headers = {}
    if caller == "editor":
        _, raw = issue(editor_a, org_a, "read,write")
        headers["Authorization"] = f"Bearer {raw}"
    operations = [result.ok() for result in schema.include(method="GET").get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        run_operation(operation, headers)


def run_operation(operation, headers):
    @settings(
        max_examples=20,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_schema_generates_without_warnings(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=StringIO())
    assert "openapi" in out.getvalue()
