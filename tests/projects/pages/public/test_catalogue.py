"""The catalogues /projects/, /zones/, /contacts/ (issue 8): the API's filters, facets with
counts, search, sorting, keyset pages, export links, and the tenant boundary on every part."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.domain import services
from projects.models import Project
from projects.reads import catalogue, facet_counts, keyset
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, UserFactory
from tests.projects.api.test_query_counts import Rows
from tests.projects.factories import create

pytestmark = pytest.mark.django_db

CATALOGUES = ("/projects/", "/zones/", "/contacts/")


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode()


def titles(html: str) -> list[str]:
    """The records listed, in order (their detail links' text)."""
    return re.findall(r'<h3><a href="/(?:projects|zones|contacts)/[^"]+/">([^<]+)</a>', html)


def facet_count(html: str, label: str) -> int | None:
    """The count a facet link shows next to `label`."""
    match = re.search(rf"<span>{re.escape(label)}</span> <span class=\"count\">(\d+)</span>", html)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("url", CATALOGUES)
def test_catalogue_renders_for_a_visitor_and_a_member(client, world, editor_a, url):
    visitor = page(client, url)
    assert "Narrow down" in visitor and 'name="q"' in visitor
    assert 'aria-current="page"' in visitor  # the header marks the section
    client.force_login(editor_a)
    member = page(client, url)
    assert "Narrow down" in member


def test_visitor_sees_published_records_only(client, world):
    html = page(client, "/projects/")
    assert "Xi&#x27;an-Almaty cultural tourism train" in html
    assert "Almaty apple festival" in html
    assert "Secret Xi&#x27;an draft" not in html
    assert "2 records found" in html


def test_member_sees_their_draft_and_an_outsider_does_not(client, world, viewer_a, editor_b):
    client.force_login(viewer_a)
    own = page(client, "/projects/")
    assert "Secret Xi&#x27;an draft" in own
    assert facet_count(own, "Draft") == 1
    # Another organization's member: no draft of Xi'an in the list, the facets or the counts.
    client.force_login(editor_b)
    other = page(client, "/projects/")
    assert "Secret Xi&#x27;an draft" not in other
    assert facet_count(other, "Draft") is None
    assert facet_count(other, "Uzbekistan") is None  # only the hidden draft is in UZ
    assert "2 records found" in other


def test_a_hidden_draft_is_not_found_by_search_or_filter(client, world, editor_b):
    client.force_login(editor_b)
    assert titles(page(client, "/projects/?q=Secret")) == []
    assert titles(page(client, "/projects/?country=UZ")) == []


def test_facets_count_each_value_and_a_link_filters(client, world):
    html = page(client, "/projects/")
    assert facet_count(html, "Kazakhstan") == 2
    assert facet_count(html, "China") == 1
    assert facet_count(html, "Tourism train") == 1
    assert facet_count(html, "Event or festival") == 1
    assert facet_count(html, "Current") == 2
    assert 'href="?category=event_festival"' in html
    filtered = page(client, "/projects/?category=event_festival")
    assert titles(filtered) == ["Almaty apple festival"]
    # The chosen facet still offers its alternatives, counted with the other filters applied.
    assert facet_count(filtered, "Tourism train") == 1
    assert facet_count(filtered, "China") is None  # the festival is in Kazakhstan only
    # The link of the chosen value takes the filter off again.
    assert 'href="?" aria-current="true"' in filtered


def test_facets_combine_with_each_other(client, world):
    html = page(client, "/projects/?country=CN&lifecycle_status=implementation")
    assert titles(html) == ["Xi&#x27;an-Almaty cultural tourism train"]
    html = page(client, "/projects/?country=CN&category=event_festival")
    assert titles(html) == []
    assert "Nothing matches these filters" in html


def test_organization_facet_uses_the_slug(client, world):
    html = page(client, "/projects/?organization=almaty")
    assert titles(html) == ["Almaty apple festival"]
    assert facet_count(html, "City government xian") == 1


def test_contact_country_facet_counts_covered_countries(client, world):
    html = page(client, "/contacts/")
    # The contact is in KZ and covers KZ and CN: counted once per country.
    assert facet_count(html, "Kazakhstan") == 1
    assert facet_count(html, "China") == 1
    assert len(titles(page(client, "/contacts/?country=CN"))) == 1


def test_search_finds_words_of_the_title_and_the_identifier(client, world):
    assert titles(page(client, "/projects/?q=apple")) == ["Almaty apple festival"]
    identifier = world["train"].identifier
    assert titles(page(client, f"/projects/?q={identifier}")) == [
        "Xi&#x27;an-Almaty cultural tourism train"
    ]
    html = page(client, "/projects/?q=apple")
    assert 'value="apple"' in html  # the box keeps the words


def test_sort_by_identifier_both_ways(client, world):
    ascending = titles(page(client, "/projects/?ordering=identifier"))
    descending = titles(page(client, "/projects/?ordering=-identifier"))
    assert ascending == list(reversed(descending)) and len(ascending) == 2
    # CN-XIAN-... before KZ-ALA-...
    assert ascending[0].startswith("Xi")


def test_unknown_sort_falls_back_to_the_default(client, world):
    html = page(client, "/projects/?ordering=title")
    assert len(titles(html)) == 2
    assert '<option value="-updated_at" selected>' in html


def test_bad_filter_value_is_a_400_page_that_names_it(client, world):
    html = page(client, "/projects/?country=XX", status=400)
    assert "cannot be used" in html and "country" in html
    html = page(client, "/projects/?organization=nowhere", status=400)
    assert "organization" in html


def test_next_page_walks_every_record_once(client, org_a, editor_a, monkeypatch):
    monkeypatch.setattr(keyset, "PAGE_SIZE", 3)
    for n in range(8):
        create(Project, org_a, editor_a, title={"en": f"Project number {n}"})
    client.force_login(editor_a)
    seen, url, pages = [], "/projects/?ordering=identifier", 0
    while url:
        html = page(client, url)
        seen += titles(html)
        pages += 1
        match = re.search(r'rel="next" href="([^"]+)"', html)
        url = "/projects/" + match.group(1).replace("&amp;", "&") if match else None
    assert pages == 3
    assert seen == [f"Project number {n}" for n in range(8)]
    # And back again, from the last page to the first.
    back = []
    while match := re.search(r'rel="prev" href="([^"]+)"', html):
        html = page(client, "/projects/" + match.group(1).replace("&amp;", "&"))
        back = titles(html) + back
    assert back == [f"Project number {n}" for n in range(6)]
    assert "First page" not in html  # back at the start


@pytest.mark.parametrize("ordering", ["-updated_at", "created_at", "-identifier"])
def test_paging_both_ways_in_every_sort(client, org_a, editor_a, monkeypatch, ordering):
    monkeypatch.setattr(keyset, "PAGE_SIZE", 2)
    for n in range(5):
        create(Project, org_a, editor_a, title={"en": f"Project number {n}"})
    client.force_login(editor_a)
    html = page(client, f"/projects/?ordering={ordering}")
    first = titles(html)
    forward = list(first)
    while match := re.search(r'rel="next" href="([^"]+)"', html):
        html = page(client, "/projects/" + match.group(1).replace("&amp;", "&"))
        forward += titles(html)
    assert sorted(forward) == [f"Project number {n}" for n in range(5)]
    while match := re.search(r'rel="prev" href="([^"]+)"', html):
        html = page(client, "/projects/" + match.group(1).replace("&amp;", "&"))
    assert titles(html) == first


def test_a_tampered_cursor_shows_the_first_page(client, world):
    html = page(client, "/projects/?cursor=not-a-cursor")
    assert len(titles(html)) == 2


def test_cursor_of_another_sort_is_not_honoured(client, org_a, editor_a, monkeypatch):
    monkeypatch.setattr(keyset, "PAGE_SIZE", 2)
    for n in range(3):
        create(Project, org_a, editor_a, title={"en": f"Project number {n}"})
    client.force_login(editor_a)
    html = page(client, "/projects/?ordering=identifier")
    cursor = re.search(r'cursor=([^"&]+)', html).group(1)
    other = page(client, f"/projects/?ordering=-created_at&cursor={cursor}")
    assert len(titles(other)) == 2  # the first page of that sort


def test_export_links_carry_the_filters(client, world):
    html = page(client, "/projects/?country=KZ&q=apple")
    assert 'href="/projects/export.csv?country=KZ&amp;q=apple"' in html
    assert "/projects/export.iati.xml?country=KZ" in html
    assert "/zones/export.geojson" in page(client, "/zones/")


def test_list_shows_state_and_freshness_badges_to_members(client, world, editor_a):
    client.force_login(editor_a)
    html = page(client, "/projects/")
    assert 'class="badge badge-draft">Draft<' in html


def bulk_world(n: int) -> None:
    org, other = OrganizationFactory(), OrganizationFactory()
    rows = Rows(org, other, UserFactory())
    rows.projects(n)
    rows.zones(n)
    rows.contacts(n)


def count_queries(client, url: str) -> tuple[int, int]:
    """The queries of a request whose counts are not cached yet (cold), then of the same
    request again (warm: its counts come from the cache)."""
    cache.clear()
    facet_counts.forget_local()
    found = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        found.append(len(captured))
    return found[0], found[1]


@pytest.mark.parametrize(
    "url",
    [
        "/projects/",
        "/projects/?country=CN&q=Train&ordering=identifier",
        "/zones/?kind=other",
        "/contacts/?organization=",
    ],
)
def test_query_count_does_not_grow_with_the_table(client, url):
    bulk_world(5)
    small = count_queries(client, url)
    bulk_world(100)
    large = count_queries(client, url)
    assert small == large, (
        f"{url}: {small} queries (cold, warm) for 5 rows per type, {large} for 105"
    )
    assert small[1] < small[0], "the second request counts nothing again"


def test_completeness_facet_counts_and_filters(client, world):
    html = page(client, "/projects/")
    # Both published projects are partly complete: the 25% step counts them, 100% none.
    assert facet_count(html, "25% or more") == 2
    assert facet_count(html, "Complete") is None
    filtered = page(client, "/projects/?completeness_min=25")
    assert len(titles(filtered)) == 2
    assert 'class="chip">Completeness: 25% or more' in filtered


def test_filters_without_a_facet_show_as_chips(client, world):
    zone = world["zone"].identifier
    html = page(client, f"/projects/?zone={zone}")
    assert titles(html) == ["Almaty apple festival"]
    assert f'class="chip">Zone: {zone}' in html
    assert 'class="chip">Search: apple' in page(client, "/projects/?q=apple")


def test_a_chosen_facet_counts_its_alternatives_within_the_boundary(client, world, editor_b):
    """The alternatives of a chosen facet are counted by a query of their own: still scoped."""
    client.force_login(editor_b)
    html = page(client, "/projects/?country=UZ")
    assert titles(html) == []
    html = page(client, "/projects/?category=tourism_train")
    assert facet_count(html, "Uzbekistan") is None  # Xi'an's draft train is in UZ
    assert facet_count(html, "Tourism train") == 1


def test_organization_facet_shows_the_most_counted_and_the_chosen(client):
    user = UserFactory()
    organizations = [OrganizationFactory() for _ in range(catalogue.MOST_COUNTED_SHOWN + 2)]
    for n, organization in enumerate(organizations):
        Rows(organization, organizations[0], user).projects(n + 1)
    html = page(client, "/projects/")
    shown = [org for org in organizations if f'?organization={org.slug}"' in html]
    assert shown == organizations[2:]  # the two with fewest projects are left out
    least = organizations[0]
    html = page(client, f"/projects/?organization={least.slug}")
    assert facet_count(html, least.display_name) == 1  # chosen: shown, with its count
    assert len(titles(html)) == 1


def test_a_hidden_revision_does_not_move_a_record_in_the_recently_updated_order(
    client, world, editor_a
):
    """The catalogue sorts by the time the public sees, as the API does (issue 10): editing a
    published record opens a hidden revision, which moves it for nobody."""
    before = titles(page(client, "/projects/"))
    assert before == ["Almaty apple festival", "Xi&#x27;an-Almaty cultural tourism train"]
    services.update_record(Actor.for_user(editor_a), world["train"], {"tags": ["hidden"]})
    world["train"].refresh_from_db()
    assert world["train"].updated_at > world["train"].public_updated_at
    assert titles(page(client, "/projects/")) == before
    client.force_login(editor_a)
    assert titles(page(client, "/projects/?ordering=-updated_at"))[-1] == before[-1]
