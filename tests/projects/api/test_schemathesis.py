"""The served OpenAPI document tells the truth: schemathesis with every check, in-process.

Every operation (GET, POST, PATCH, DELETE), with positive and negative data, then the stateful
test (chains of calls along the schema's links), each as three callers: anonymous, an editor of
organization A (an API key with read and write scopes) and a reviewer (an API key of the
secretariat). All of schemathesis' checks run (`checks.CHECKS`: status codes, content types,
headers, response schemas, negative data rejected, positive data accepted, unsupported methods,
ignored auth, use after free, ...): no answer may be a 5xx or disagree with the schema.

Fixed seed (hypothesis `derandomize`), bounded examples, no example database: the same requests
on every run, so a failure here is reproducible. Runs on SQLite and PostgreSQL.

Positive data is held to one tolerance the schema cannot express, `TOLERATED_400`: a 400 for a
value of the right shape that no schema can tell valid from invalid (a cursor the server did not
sign, a slug or identifier of a row that does not exist, an E.164 number that no country uses).
Any other 400 for schema-valid data (an unknown field, a bound, a format) fails. A 412 for an
If-Match that is well formed but is not the record's current ETag, or a body's `version` that is
not the record's current one, is right (the schema cannot know the current version);
schemathesis' defaults allow 409 but not 412.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from projects.models import Contact, Project, Zone
from tests.projects.api.conftest import issue, published
from tests.projects.factories import create

# Examples per operation and generation mode, and stateful scenarios, per caller.
OPERATION_EXAMPLES = 3
STATEFUL_EXAMPLES = 12
STATEFUL_STEPS = 8
CALLERS = ("anonymous", "editor", "reviewer")

# Request fields whose validity no schema can state (see the module's docstring): a 400 naming
# only these, for positive data, is an answer about the data's content, not its shape.
TOLERATED_400 = frozenset(
    {
        "cursor",  # signed by the server (registry.api.cursors)
        "since",  # the changes feed's signed cursor
        "organization",  # a slug: must name an organization the caller may act for / can see
        "partner",  # a slug of an existing local government
        "zone",  # a zone identifier the caller can see
        "zones",
        "projects",
        "related_projects",
        "phone",  # E.164, checked against the numbering plan of its country
        "geometry",  # closed rings, coordinates in range (RFC 7946)
        "locations",
        "documents",
        "title",  # multilingual text: language keys must be ISO 639-1, English required
        "name",
        "summary",
        "description",
        "expected_outcomes",
        "non_field_errors",
        "countries",  # each country once (uniqueItems, which the body schema does not state yet)
        "countries_covered",
    }
)
# Answers about an uploaded file's content (the import): its name and bytes decide its format.
TOLERATED_CODES = frozenset({(415, "unsupported_format"), (400, "invalid_import")})


def _error_body(response) -> dict:
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return {}
    return body if isinstance(body, dict) else {}


def positive_data_acceptance(ctx, response, case):
    """schemathesis' positive_data_acceptance, with the tolerance of the module's docstring."""
    try:
        return checks.positive_data_acceptance(ctx, response, case)
    except checks.Failure:
        sent = {name.lower() for name in (response.request.headers or {})}
        sent_version = isinstance(case.body, dict) and "version" in case.body
        if response.status_code == 412 and ("if-match" in sent or sent_version):
            return None
        body = _error_body(response)
        if (response.status_code, body.get("code")) in TOLERATED_CODES:
            return None
        fields = set(body.get("errors") or ())
        if response.status_code == 400 and fields and fields <= TOLERATED_400:
            return None
        raise


checks.load_all_checks()  # the OpenAPI checks register themselves on import
ALL_CHECKS = [
    check
    for check in checks.CHECKS.get_all()
    if getattr(check, "__name__", "") != "positive_data_acceptance"
] + [positive_data_acceptance]
assert len(ALL_CHECKS) == len(checks.CHECKS.get_all()) >= 14, ALL_CHECKS


@pytest.fixture
def wsgi_app(db, settings):
    """The real WSGI application, sharing the test's database transaction (as Django's test
    client does: no connection closing between requests)."""
    from registry.wsgi import application

    # schemathesis sends bad keys on purpose (ignored_auth); the address lockout (tested in
    # test_lockout.py) would otherwise answer 429 to everything that follows.
    settings.LOCKOUT_FAILURES = 10**9
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(org_a, editor_a, org_b, editor_b, reviewer):
    """Published and draft records of each type in A and B, and one submitted per type in A.

    -> per record type (the path's first segment), identifiers of A's published, draft and
    submitted records, which the runs also aim the item operations at (a generated identifier
    finds nothing, so only a 404 would be checked)."""
    known = {}
    for model in (Project, Zone, Contact):
        of_a = []
        for organization, editor in ((org_a, editor_a), (org_b, editor_b)):
            public = published(model, organization, editor, ref=f"PUB-{model.record_type}")
            draft = create(model, organization, editor, ref=f"DRAFT-{model.record_type}")
            of_a = of_a or [public.identifier, draft.identifier]
        submitted = create(model, org_a, editor_a, ref=f"SUB-{model.record_type}")
        model.objects.unscoped("test setup").filter(pk=submitted.pk).update(
            workflow_state="submitted", submitted_by=editor_a
        )
        known[model.record_type] = [*of_a, submitted.identifier]
    return known


@pytest.fixture
def caller_headers(org_a, editor_a, secretariat, reviewer):
    def headers(caller: str) -> dict:
        if caller == "anonymous":
            return {}
        user, organization = (editor_a, org_a) if caller == "editor" else (reviewer, secretariat)
        _, raw = issue(user, organization, "read,write")
        return {"Authorization": f"Bearer {raw}"}

    return headers


# PostgreSQL cannot store a NUL character: the server refuses it in any text (400), which the
# schema does not repeat on every string.
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})


def load_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", app, config=CONFIG)


HYPOTHESIS = dict(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_with_every_check(caller, wsgi_app, seeded, caller_headers):
    headers = caller_headers(caller)
    operations = [result.ok() for result in load_schema(wsgi_app).get_all_operations()]
    assert len(operations) >= 70
    failures = []
    for operation in operations:
        runs = [(mode, {}) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        record_type = (operation.path.strip("/").split("/") + ["", "", ""])[2]
        if "{identifier}" in operation.path and record_type in seeded:
            runs += [
                (GenerationMode.POSITIVE, {"identifier": identifier})
                for identifier in seeded[record_type]
            ]
        for mode, path_parameters in runs:
            try:
                run_operation(operation, mode, headers, path_parameters)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to break: no input at all
            except (AssertionError, BaseExceptionGroup) as error:  # every operation's failure
                failures.append(f"{operation.label} [{mode.value} {path_parameters}]: {error}")
    assert not failures, "\n\n".join(failures)


def run_operation(operation, mode, headers, path_parameters=None):
    @settings(
        max_examples=OPERATION_EXAMPLES, phases=[Phase.explicit, Phase.generate], **HYPOTHESIS
    )
    @given(
        case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)
    )
    def check(case):
        case.call_and_validate(headers=headers, checks=ALL_CHECKS)

    check()


@pytest.mark.parametrize("caller", CALLERS)
def test_stateful_with_every_check(caller, wsgi_app, seeded, caller_headers):
    headers = caller_headers(caller)
    machine = load_schema(wsgi_app).as_state_machine()

    class Machine(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=ALL_CHECKS,
                headers=headers,
                recorder=getattr(self, "recorder", None),
            )

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            phases=[Phase.generate],
            **HYPOTHESIS,
        )
    )


# --- What the runs found, pinned one by one --------------------------------------------------


def test_a_malformed_if_match_is_judged_after_the_right_to_act(
    api, key_client, org_a, editor_a, org_b, editor_b
):
    """Found by positive_data_acceptance: a malformed If-Match was a 412 before anything else,
    so an anonymous caller got 412 where it should get 401, another organization's editor 412
    where it should get 403. Now only someone who may act learns that the version is stale."""
    record = published(Project, org_a, editor_a, ref="TRAIN")
    url = f"/api/v1/projects/{record.identifier}/"
    garbage = {"HTTP_IF_MATCH": '"not-an-etag"'}
    assert api.post(f"{url}reconfirm/", **garbage).status_code == 401
    assert api.patch(url, {"tags": ["x"]}, format="json", **garbage).status_code == 401
    other = key_client(editor_b, org_b)
    assert other.post(f"{url}reconfirm/", **garbage).status_code == 403
    assert other.patch(url, {"tags": ["x"]}, format="json", **garbage).status_code == 403
    owner = key_client(editor_a, org_a)
    stale = owner.post(f"{url}reconfirm/", **garbage)
    assert stale.status_code == 412 and stale.json()["current_version"] == record.version


def test_an_unsupported_method_is_405_whatever_the_query(api, db):
    """Found by unsupported_method: TRACE with a list's filters got the filters' 400."""
    response = api.generic("TRACE", "/api/v1/projects/?country=KZ")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_schema_states_what_the_server_refuses(api, db):
    """Found by negative_data_rejection and positive_data_acceptance (see the module's
    docstring): each of these was missing from the served document."""
    document = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    for method, operation in paths["/api/v1/projects/{identifier}/"].items():
        assert "406" in operation["responses"], method
    projects = {p["name"]: p for p in paths["/api/v1/projects/"]["get"]["parameters"]}
    assert projects["page_size"]["schema"]["minimum"] == 1
    assert projects["page_size"]["schema"]["maximum"] == 500
    assert projects["country"]["allowEmptyValue"] is True
    assert {"cursor", "q", "zone", "completeness_min"} <= set(projects)
    assert schemas["ActionRequest"]["additionalProperties"] is False
    assert schemas["ProjectCreateRequest"]["required"] == ["category", "countries", "title"]
    history = paths["/api/v1/projects/{identifier}/history/"]["get"]["parameters"]
    assert {p["name"] for p in history} == {"identifier", "cursor", "page_size", "format"}
    participants = paths["/api/v1/projects/{identifier}/participants/"]["get"]["responses"]
    listed = participants["200"]["content"]["application/json"]["schema"]["$ref"]
    assert "results" in schemas[listed.rsplit("/", 1)[1]]["properties"]
    detail = paths["/api/v1/zones/{identifier}/"]["get"]["responses"]["200"]["content"]
    assert detail["application/geo+json"]["schema"]["$ref"].endswith("/FeatureCollection")
    exports = paths["/api/v1/contacts/export.{export_format}"]["get"]["parameters"]
    assert set(exports[0]["schema"]["enum"]) == {"csv", "xlsx", "json"}


def test_a_path_holding_a_newline_gets_the_json_404(api, db):
    """Found by content_type_conformance (stateful): the API's catch-all did not match a path
    holding a newline, so Django's HTML 404 answered."""
    response = api.post("/api/v1/projects/a%0Ab/archive/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert api.get("/api/v1/").status_code == 200
