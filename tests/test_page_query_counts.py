"""No page's query count grows with the data: the same with 5 records as with 100.

Every page of tests/site_pages.py is requested as anonymous and as signed-in members (the owning
organization's admin and editor, the partner organization's admin, a reviewer) with the
dataset's 5 records, then again after 95 more records of the three types in every state the
dashboard lists (tests/site_pages.py `add_published`). Each
page is requested once before it is first counted, so that process-wide caches (content types,
the site's settings) are filled before both counts. Each page is counted twice: with Django's cache
emptied first (cold: e.g. a catalogue counts its facets), then again (warm: from the cache); neither
count may grow.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.reads import facet_counts
from tests.site_pages import add_published, page_dataset, page_urls


def counts(client, dataset, user, warm_up=False) -> dict[str, tuple[int, int]]:
    """{url: (queries with an empty cache, queries of the same request again)}."""
    client.logout()
    if user is not None:
        client.force_login(user)
    found = {}
    for _name, url in page_urls(dataset):
        if warm_up:
            client.get(url)
        cache.clear()
        facet_counts.forget_local()
        found[url] = (count(client, url), count(client, url))
    return found


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code < 500, url
    return len(queries)


@pytest.mark.django_db
def test_every_page_makes_as_many_queries_with_100_records_as_with_5(client, capsys):
    dataset = page_dataset()
    who = {
        "anonymous": None,
        "admin": dataset.users["org_admin"],
        "editor": dataset.users["editor"],
        "partner": dataset.users["admin_b"],
        "reviewer": dataset.users["reviewer"],
    }
    small = {role: counts(client, dataset, user, warm_up=True) for role, user in who.items()}
    add_published(dataset, 95)
    large = {role: counts(client, dataset, user) for role, user in who.items()}
    lines, grown = [], []
    for role in who:
        for url, few in small[role].items():
            many = large[role][url]
            lines.append(f"{role:9} {few[0]:3} {few[1]:3} {many[0]:3} {many[1]:3} {url}")
            if many != few:
                grown.append(
                    f"{role} {url}: {few} queries (cold, warm) with 5 records, {many} with 100"
                )
    with capsys.disabled():
        print("\nqueries per page, cold and warm (5 records, 100 records):\n" + "\n".join(lines))
    assert not grown, "\n".join(grown)
