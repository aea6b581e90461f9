"""The catalogues' facet counts in Django's cache (issue 11): counted once per change, never
wrong, never across the tenant boundary, one entry for every language, and a page still when the
cache fails. Through the pages; the cache is emptied around each test
(tests/conftest.py)."""

import datetime

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.domain.freshness import STALE_AFTER_MONTHS, months_before
from projects.models import Project
from projects.reads import facet_counts
from tests.projects.factories import act, create
from tests.projects.pages.public.test_catalogue import facet_count, page
from tests.projects.pages.public.test_i18n import in_language

pytestmark = pytest.mark.django_db

# The statement that counts the facets not in use and the total (catalogue.shared_counts):
# grouping sets on PostgreSQL, a common table expression on SQLite.
COUNTING = ("GROUPING SETS", "WITH m AS")


def get(client, url: str, status: int = 200) -> tuple[str, list[str]]:
    """The page's HTML and the SQL of its queries."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def facets(html: str) -> str:
    """The page's facets (the sidebar) and its total."""
    return html[html.index('<aside class="facets"') : html.index('role="status"') + 60]


def counted(queries: list[str]) -> bool:
    return any(mark in sql for sql in queries for mark in COUNTING)


@pytest.mark.parametrize(
    "url",
    ["/projects/", "/zones/", "/contacts/", "/projects/?country=KZ&category=event_festival"],
)
def test_the_same_page_again_does_not_count_again(client, world, url):
    first, cold = get(client, url)
    second, warm = get(client, url)
    assert counted(cold) and not counted(warm)
    # The chosen facets' own queries (country, category) are not made again either.
    assert len(warm) < len(cold) - (2 if "country" in url else 0)
    assert facets(first) == facets(second)


def test_another_page_position_or_sort_reads_the_same_counts(client, world):
    get(client, "/projects/")
    html, queries = get(client, "/projects/?ordering=identifier")
    assert not counted(queries)
    assert facet_count(html, "Kazakhstan") == 2


def test_publishing_a_record_moves_the_counts(client, world, editor_a, reviewer):
    html, _ = get(client, "/projects/")
    assert facet_count(html, "Uzbekistan") is None
    assert "2 records found" in html
    draft = world["draft_a"]  # Xi'an's draft, in UZ
    act(editor_a, draft, "submit")
    act(reviewer, draft, "approve")
    html, queries = get(client, "/projects/")
    assert counted(queries)
    assert facet_count(html, "Uzbekistan") == 1
    assert facet_count(html, "Tourism train") == 2
    assert "3 records found" in html


def test_an_edit_a_visitor_cannot_see_keeps_the_visitors_counts(client, world, editor_a):
    get(client, "/projects/")
    create(Project, world["train"].organization, editor_a, title={"en": "Another draft"})
    html, queries = get(client, "/projects/")
    assert not counted(queries)  # only Xi'an's counter moved: the public's entry holds
    assert facet_count(html, "Tourism train") == 1


def test_a_draft_is_never_counted_for_anyone_outside_its_organization(
    client, world, editor_a, admin_a, editor_b, outsider
):
    """A member of Xi'an sees its draft counted; a visitor, a member of Almaty and a user of no
    organization, asking after them with the same filters, never do."""
    for url in ("/projects/", "/projects/?country=UZ", "/projects/?workflow_state=draft"):
        client.force_login(editor_a)
        own, _ = get(client, url)
        assert facet_count(own, "Uzbekistan") == 1, url
        client.force_login(admin_a)  # another role in the same organization: the same entry
        same, queries = get(client, url)
        assert facet_count(same, "Uzbekistan") == 1 and not counted(queries), url
        for user in (None, editor_b, outsider):
            client.logout()
            if user is not None:
                client.force_login(user)
            html, _ = get(client, url)
            # Not counted (a chosen value is shown with 0).
            assert not facet_count(html, "Uzbekistan"), (url, user)
            assert not facet_count(html, "Draft"), (url, user)
            assert "Secret Xi&#x27;an draft" not in html


def test_a_member_of_another_organization_counts_its_own_drafts_only(client, world, editor_b):
    client.force_login(editor_b)
    html, _ = get(client, "/zones/")
    assert facet_count(html, "Draft") == 1  # Almaty's own draft zone
    html, _ = get(client, "/projects/")
    assert facet_count(html, "Draft") is None  # Xi'an's draft project is not theirs


def test_one_entry_serves_every_language_with_its_words(client, world):
    english = in_language(client, "en", "/projects/")
    assert facet_count(english, "Tourism train") == 1
    assert facet_count(english, "Kazakhstan") == 2
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    russian, queries = get(client, "/projects/")
    assert not counted(queries)
    assert facet_count(russian, "Туристический поезд") == 1
    assert facet_count(russian, "Казахстан") == 2
    assert facet_count(russian, "Tourism train") is None


class FailingCache(BaseCache):
    """A cache whose server is down: every call raises."""

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("the cache server is down")

    get = set = add = delete = touch = has_key = clear = get_many = set_many = _fail


@pytest.fixture
def failing_cache(settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.FailingCache"}}


def test_a_failing_cache_still_gives_the_page(client, world, failing_cache):
    """With the shared cache down, the page is counted and this process's memory keeps it."""
    html, queries = get(client, "/projects/?country=KZ")
    assert counted(queries) and facet_count(html, "Event or festival") == 1
    html, queries = get(client, "/projects/?country=KZ")
    assert not counted(queries) and facet_count(html, "Event or festival") == 1
    facet_counts.forget_local()  # another process: the shared cache kept nothing for it
    html, queries = get(client, "/projects/?country=KZ")
    assert counted(queries) and facet_count(html, "Event or festival") == 1
    assert "1 record found" in page(client, "/zones/")


def test_another_process_reads_the_counts_from_the_shared_cache(client, world):
    first, cold = get(client, "/projects/?country=KZ")
    facet_counts.forget_local()  # another process: nothing in its own memory
    second, warm = get(client, "/projects/?country=KZ")
    assert counted(cold) and not counted(warm)
    assert facets(first) == facets(second)


def test_a_reviewer_never_reads_a_platform_admins_counts(client, world, platform_admin, reviewer):
    """Both have the same list stamp (every counter): only who they are tells their counts
    apart. A platform admin sees every draft; a reviewer only what reached the platform."""
    client.force_login(platform_admin)
    html, _ = get(client, "/projects/")
    assert facet_count(html, "Draft") == 1
    client.force_login(reviewer)
    html, _ = get(client, "/projects/")
    assert facet_count(html, "Draft") is None
    assert facet_count(html, "Uzbekistan") is None


def confirm_at(record, moment) -> None:
    """As if the clock had moved on: the record's confirmation now lies at `moment` (no counter
    moves, as none does when a record turns stale with time)."""
    type(record).objects.unscoped("test setup").filter(pk=record.pk).update(confirmed_at=moment)


def test_records_turning_stale_move_the_freshness_counts_of_a_cached_entry(
    client, world, monkeypatch
):
    """The clock moves on, no record changes: the entry holds, its freshness counts follow."""
    start = timezone.now()
    # The train was confirmed a day less than a year ago, the festival just now.
    confirm_at(world["train"], months_before(start, STALE_AFTER_MONTHS) + datetime.timedelta(1))
    monkeypatch.setattr(timezone, "now", lambda: start)
    html, queries = get(client, "/projects/")
    assert counted(queries)
    assert facet_count(html, "Current") == 2 and facet_count(html, "Stale") is None
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(2))
    html, queries = get(client, "/projects/")
    assert not counted(queries)  # the entry holds; only its freshness counts moved
    assert facet_count(html, "Current") == 1 and facet_count(html, "Stale") == 1
    assert facet_count(html, "Tourism train") == 1
    html, queries = get(client, "/projects/")
    assert not counted(queries) and facet_count(html, "Stale") == 1
    # A year on: the train is inactive, the festival stale.
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(367))
    html, queries = get(client, "/projects/")
    assert not counted(queries)
    assert facet_count(html, "Current") is None
    assert facet_count(html, "Stale") == 1 and facet_count(html, "Inactive") == 1


def test_with_a_freshness_filter_a_record_turning_stale_makes_new_counts(client, world):
    html, _ = get(client, "/projects/?freshness=current")
    assert facet_count(html, "Tourism train") == 1
    confirm_at(world["train"], months_before(timezone.now(), STALE_AFTER_MONTHS + 1))
    html, queries = get(client, "/projects/?freshness=current")
    assert counted(queries)  # the rows themselves changed: the list's stamp moved
    assert facet_count(html, "Tourism train") is None
    assert facet_count(html, "Stale") == 1  # the chosen facet's alternatives
