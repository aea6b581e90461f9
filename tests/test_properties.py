"""Property-based tests (hypothesis) of every validator and cursor decoder.

The property: for any input, a validator either accepts it or raises its validation error, and
nothing else comes out (no TypeError, no KeyError, no RecursionError); through the API, no input
gets a 5xx. Examples are derandomized (a fixed seed) and bounded, so CI runs the same cases in a
bounded time; run with HYPOTHESIS_PROFILE=thorough locally for many more.
"""

import os
import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accounts.models import validate_identifier_prefix
from projects import validation
from projects.api import feeds
from registry import multilingual
from registry.api.pagination import RegistryCursorPagination

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Any JSON value, nested a few levels, with text that includes the awkward characters.
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT


def json_values(scalars):
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5)
        ),
        max_leaves=20,
    )


JSON = json_values(SCALARS)
# What a JSON body can carry (no NaN or infinity: they are not JSON).
BODY_JSON = json_values(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
NUMBER = st.integers(-1000, 1000) | st.floats(allow_nan=True, allow_infinity=True)
FINITE = st.integers(-1000, 1000) | st.floats(allow_nan=False, allow_infinity=False)
POSITION = st.lists(NUMBER, min_size=0, max_size=3)
RING = st.lists(POSITION, max_size=6)
# Inputs shaped like what each validator expects, and anything at all.
GEOMETRY = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", ""]) | TEXT,
        "coordinates": st.lists(RING, max_size=3) | st.lists(st.lists(RING, max_size=2)) | JSON,
    }
)
MULTILINGUAL = st.dictionaries(
    st.sampled_from(["en", "zh", "ru", "kk", "uz", "EN", "zz", "", "e"]) | TEXT, JSON | TEXT
)
LOCATIONS = st.lists(
    st.fixed_dictionaries({"name": JSON | TEXT, "lat": NUMBER | JSON, "lon": NUMBER | JSON}),
    max_size=4,
)
IDENTIFIER_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "-._ \x00é", max_size=70)
PHONE = st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True)

VALIDATORS = {
    "ref": (validation.validate_ref, IDENTIFIER_TEXT),
    "identifier": (validation.validate_identifier, IDENTIFIER_TEXT),
    "identifier_prefix": (validate_identifier_prefix, IDENTIFIER_TEXT),
    "multilingual": (multilingual.validate_multilingual, MULTILINGUAL),
    "optional_multilingual": (validation.validate_optional_multilingual, MULTILINGUAL),
    "language_code": (multilingual.validate_language_code, TEXT),
    "languages": (validation.validate_languages, st.lists(TEXT | JSON, max_size=5)),
    "country_code": (validation.validate_country_code, st.sampled_from(["CN", "KZ", "cn"]) | TEXT),
    "countries": (validation.validate_country_list, st.lists(st.sampled_from(["CN", "KZ"]) | JSON)),
    "currency": (validation.validate_currency, st.sampled_from(["CNY", "KZT", "cny"]) | TEXT),
    "phone": (validation.validate_phone, PHONE | TEXT),
    "tags": (validation.validate_tags, st.lists(TEXT | JSON, max_size=5)),
    "string_list": (validation.validate_string_list, st.lists(TEXT | JSON, max_size=5)),
    "locations": (validation.validate_locations, LOCATIONS),
    "geometry": (validation.validate_geometry, GEOMETRY),
    "policies": (validation.validate_policies, st.dictionaries(TEXT, JSON, max_size=4)),
    "documents": (validation.validate_documents, st.lists(JSON, max_size=4)),
}


@pytest.mark.parametrize("name", sorted(VALIDATORS))
def test_validators_accept_or_refuse_any_input_with_a_validation_error(name):
    validator, shaped = VALIDATORS[name]

    @given(shaped | JSON)
    def check(value):
        try:
            validator(value)
        except ValidationError as error:
            assert error.messages  # a refusal says why

    check()


@given(TEXT | st.binary().map(lambda raw: raw.decode("latin-1")))
def test_changes_cursor_decodes_or_is_a_400(cursor):
    try:
        position = feeds.decode_cursor(cursor)
    except drf_exceptions.ValidationError as error:
        assert "since" in error.detail
    else:
        assert isinstance(position, int) and position >= 0


def list_cursor(cursor: str):
    paginator = RegistryCursorPagination()
    paginator.ordering = ("identifier",)
    request = Request(APIRequestFactory().get("/api/v1/projects/", {"cursor": cursor}))
    return paginator.decode_cursor(request)


@given(TEXT)
def test_list_cursor_decodes_or_is_a_400(cursor):
    try:
        list_cursor(cursor)
    except drf_exceptions.ValidationError as error:
        assert "cursor" in error.detail


# --- Through the API: no input gets a 5xx ------------------------------------------------------

BODY_POSITION = st.lists(FINITE, max_size=3)
BODY_GEOMETRY = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "MultiPolygon", "Point"]) | TEXT,
        "coordinates": st.lists(st.lists(BODY_POSITION, max_size=6), max_size=3) | BODY_JSON,
    }
)
BODY_MULTILINGUAL = st.dictionaries(st.sampled_from(["en", "zh", "ru", "zz", ""]) | TEXT, TEXT)
BODY_LOCATIONS = st.lists(
    st.fixed_dictionaries({"name": TEXT | BODY_JSON, "lat": FINITE, "lon": FINITE}), max_size=4
)
API_EXAMPLES = settings(max_examples=25)

RECORD_BODY = st.fixed_dictionaries(
    {},
    optional={
        "ref": IDENTIFIER_TEXT | BODY_JSON,
        "title": BODY_MULTILINGUAL | BODY_JSON,
        "summary": BODY_MULTILINGUAL,
        "category": st.sampled_from(["tourism_train", "other"]) | BODY_JSON,
        "countries": st.lists(st.sampled_from(["CN", "KZ", "XX"]) | BODY_JSON, max_size=3),
        "locations": BODY_LOCATIONS,
        "tags": st.lists(TEXT | BODY_JSON, max_size=3),
        "budget_currency": TEXT | BODY_JSON,
        "planned_start": TEXT | BODY_JSON,
        "documents": st.lists(BODY_JSON, max_size=2),
    },
)
ZONE_BODY = st.fixed_dictionaries(
    {},
    optional={
        "name": BODY_MULTILINGUAL | BODY_JSON,
        "geometry": BODY_GEOMETRY | BODY_JSON,
        "kind": TEXT,
    },
)
CONTACT_BODY = st.fixed_dictionaries(
    {},
    optional={
        "name": BODY_MULTILINGUAL | BODY_JSON,
        "phone": PHONE | BODY_JSON,
        "languages": BODY_JSON,
        "kind": TEXT,
    },
)


@pytest.fixture
def editor_client(editor_a):
    client = APIClient()
    client.force_login(editor_a)
    return client


@pytest.mark.parametrize(
    "record_type, bodies",
    [("projects", RECORD_BODY), ("zones", ZONE_BODY), ("contacts", CONTACT_BODY)],
)
def test_no_record_body_gets_a_5xx(editor_client, record_type, bodies):
    @given(bodies | BODY_JSON)
    @API_EXAMPLES
    def post(body):
        response = editor_client.post(f"/api/v1/{record_type}/", body, format="json")
        assert response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")

    post()


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "q": TEXT,
            "cursor": TEXT,
            "ordering": TEXT,
            "page_size": TEXT,
            "country": TEXT,
            "updated_since": TEXT,
        },
    ),
    st.sampled_from(["/api/v1/projects/", "/api/v1/zones/", "/api/v1/contacts/"]),
)
@API_EXAMPLES
def test_no_list_query_gets_a_5xx(db, params, path):
    response = APIClient().get(path, params)
    assert response.status_code < 500, (params, response.content)


@given(TEXT)
@API_EXAMPLES
def test_no_changes_cursor_gets_a_5xx(db, since):
    response = APIClient().get("/api/v1/changes/", {"since": since})
    assert response.status_code in (200, 400), response.content
