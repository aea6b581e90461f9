"""Search under row-level security (issue 21), as the application's least-privilege role.

The ids a search matches come from `registry_search_ids`, a SECURITY DEFINER function owned by
the search role, which sees past the policies so that PostgreSQL may use the search indexes;
the records are then read through the caller's policies. These tests show that it finds through
the indexes what the caller may see, and that a row the caller may not see changes nothing the
caller receives: not the rows, not the counts, not the order, not the queries that run.
"""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from registry import rls
from tests.factories import member
from tests.projects.factories import create, place_in_state

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

RARE = "Qyzylorda"  # in the hidden draft only
ABSENT = "Zhezkazgan"  # nowhere


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    pass


@pytest.fixture
def records(org_a, org_b):
    with rls.system_context("test setup: two published projects and another's draft"):
        editor_a = member(org_a, "editor", username="xian-editor")
        editor_b = member(org_b, "editor", username="almaty-editor")
        for title in ("Xi'an rail link", "Xi'an tourism week"):
            place_in_state(create(Project, org_a, editor_a, title={"en": title}), "published")
        hidden = create(Project, org_b, editor_b, title={"en": f"{RARE} logistics hub"})
    return {"editor_a": editor_a, "editor_b": editor_b, "hidden": hidden}


def _api(client, query: str):
    response = client.get("/api/v1/projects/", {"q": query})
    assert response.status_code == 200
    return response


def _answer_without_dates(response) -> list:
    return [(item["identifier"], item["title"]) for item in json.loads(response.content)["results"]]


def _catalogue_total(client, query: str) -> str:
    html = client.get("/projects/", {"q": query}).content.decode()
    return re.search(r"\d+ records? found", html).group(0)


@pytest.mark.parametrize("function", sorted(rls.SEARCH_FUNCTIONS))
def test_the_search_functions_run_as_the_search_role(database_roles, function):
    searcher = rls.search_role(database_roles.owner)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_userbyid(proowner), prosecdef, proconfig FROM pg_proc "
            "WHERE proname = %s",
            [function],
        )
        owner, security_definer, config = cursor.fetchone()
        cursor.execute(
            "SELECT rolcanlogin, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = %s",
            [searcher],
        )
        can_login, bypasses, superuser = cursor.fetchone()
    assert (owner, security_definer) == (searcher, True)
    assert config == ["search_path=pg_catalog, public"]
    assert (can_login, bypasses, superuser) == (False, True, False)


def test_the_search_role_reads_the_record_tables_and_nothing_else(database_roles):
    searcher = rls.search_role(database_roles.owner)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, has_table_privilege(%s, tablename::regclass, 'SELECT'), "
            "has_table_privilege(%s, tablename::regclass, 'INSERT, UPDATE, DELETE, TRUNCATE') "
            "FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            [searcher, searcher],
        )
        privileges = {table: (reads, writes) for table, reads, writes in cursor.fetchall()}
    assert {table for table, (reads, _) in privileges.items() if reads} == set(rls.SEARCHED_TABLES)
    assert not any(writes for _, writes in privileges.values())


def test_a_member_finds_their_own_draft_by_a_rare_word(client, records):
    client.force_login(records["editor_b"])
    found = _answer_without_dates(_api(client, RARE))
    assert [identifier for identifier, _ in found] == [records["hidden"].identifier]
    assert _catalogue_total(client, RARE) == "1 record found"


# 5000: the hidden match is read by id; -1: past every estimate, by its conditions from where the
# matches start (registry_search_start), which the hidden row moves but the answer does not show.
@pytest.mark.parametrize("by_id_at_most", [5000, -1])
@pytest.mark.parametrize("reader", [None, "editor_a"])
def test_a_hidden_match_answers_exactly_as_no_match(
    client, records, reader, by_id_at_most, monkeypatch
):
    from projects.reads import filtersets

    monkeypatch.setattr(filtersets, "SEARCH_BY_ID_AT_MOST", by_id_at_most)
    if reader:
        client.force_login(records[reader])
    with CaptureQueriesContext(connection) as hidden_queries:
        hidden = _api(client, RARE)
    with CaptureQueriesContext(connection) as absent_queries:
        absent = _api(client, ABSENT)
    assert _answer_without_dates(hidden) == _answer_without_dates(absent) == []
    assert hidden.status_code == absent.status_code

    # The same statements, but for their values (the words searched, the clock, the ids that
    # the search function found: the hidden row's id, read through the policies to nothing).
    def shapes(queries):
        return [
            # (psycopg types a list of ids by its largest: int2[] for small ones.)
            re.sub(r"(?:'(?:[^']|'')*'|ARRAY\[[^\]]*\])(?:::int\d\[\])?", "?", q["sql"])
            for q in queries.captured_queries
            if "SAVEPOINT" not in q["sql"]
        ]

    assert shapes(hidden_queries) == shapes(absent_queries)
    assert _catalogue_total(client, RARE) == _catalogue_total(client, ABSENT) == "0 records found"


def test_a_word_shared_by_visible_and_hidden_rows_counts_and_orders_the_visible_only(
    client, records
):
    with rls.system_context("test setup: a hidden draft with the visible rows' word"):
        create(Project, records["hidden"].organization, records["editor_b"], title={"en": "Xi'an"})
    client.force_login(records["editor_a"])
    found = _answer_without_dates(_api(client, "Xi'an"))
    assert [title["en"] for _, title in found] == ["Xi'an rail link", "Xi'an tourism week"]
    assert _catalogue_total(client, "Xi'an") == "2 records found"


def test_a_common_word_is_searched_by_its_conditions_under_the_policies(
    client, records, monkeypatch
):
    """Past the planner's estimate (filtersets.SEARCH_BY_ID_AT_MOST) the search applies its
    conditions to the scoped rows instead of reading ids: the same answer."""
    from projects.reads import filtersets

    client.force_login(records["editor_a"])
    by_id = _answer_without_dates(_api(client, "Xi'an"))
    monkeypatch.setattr(filtersets, "SEARCH_BY_ID_AT_MOST", -1)  # every estimate is above it
    with CaptureQueriesContext(connection) as queries:
        by_conditions = _answer_without_dates(_api(client, "Xi'an"))
    assert by_conditions == by_id and len(by_id) == 2
    assert any("search_vector" in q["sql"] for q in queries.captured_queries)


def _walk_start(queries) -> str | None:
    """Where the list's walk began: the value of its `identifier >= ...` condition."""
    for query in queries.captured_queries:
        found = re.search(r'"identifier"\)?(?:::text)? >= \(?\'((?:[^\']|\'\')*)\'', query["sql"])
        if found:
            return found.group(1)
    return None


def test_a_common_search_walks_from_the_first_match_and_finds_what_it_found_by_id(
    client, org_a, org_b, monkeypatch
):
    """An identifier fragment whose matches sit after every other row (`KZ-ALA` after `CN-XIAN`):
    past the by-id estimate the walk starts at the first match, with the same answer."""
    from projects.reads import filtersets

    with rls.system_context("test setup: rows before the fragment's and the fragment's own"):
        editor_a = member(org_a, "editor", username="xian-editor")
        editor_b = member(org_b, "editor", username="almaty-editor")
        for ref in ("RAIL-1", "RAIL-2"):
            place_in_state(create(Project, org_a, editor_a, ref=ref), "published")
        for ref in ("HUB-1", "HUB-2"):
            place_in_state(create(Project, org_b, editor_b, ref=ref), "published")
    by_id = _answer_without_dates(_api(client, "kz-ala"))
    monkeypatch.setattr(filtersets, "SEARCH_BY_ID_AT_MOST", -1)
    with CaptureQueriesContext(connection) as queries:
        walked = _answer_without_dates(_api(client, "kz-ala"))
    assert [identifier for identifier, _ in walked] == ["KZ-ALA-HUB-1", "KZ-ALA-HUB-2"]
    assert walked == by_id
    assert _walk_start(queries) == "KZ-ALA-HUB-1"


def test_a_hidden_first_match_moves_where_the_walk_starts_and_nothing_else(
    client, org_a, org_b, monkeypatch
):
    from projects.reads import filtersets

    with rls.system_context("test setup: a hidden draft before the visible matches"):
        editor_a = member(org_a, "editor", username="xian-editor")
        editor_b = member(org_b, "editor", username="almaty-editor")
        create(Project, org_a, editor_a, ref="DRAFT", title={"en": "Caravan depot"})
        place_in_state(
            create(Project, org_b, editor_b, ref="DEPOT", title={"en": "Caravan depot"}),
            "published",
        )
    monkeypatch.setattr(filtersets, "SEARCH_BY_ID_AT_MOST", -1)
    client.force_login(editor_b)
    with CaptureQueriesContext(connection) as queries:
        found = _answer_without_dates(_api(client, "caravan"))
    assert [identifier for identifier, _ in found] == ["KZ-ALA-DEPOT"]
    assert _walk_start(queries) == "CN-XIAN-DRAFT"
    assert _catalogue_total(client, "caravan") == "1 record found"
