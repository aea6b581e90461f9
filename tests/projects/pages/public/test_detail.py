"""Detail pages /projects/<identifier>/, /zones/<identifier>/, /contacts/<identifier>/ (issue 8):
every field, the participants and linked records the reader may see, freshness and
completeness, and the 404 page for a record the reader may not see."""

import datetime

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.domain.content import write_links
from projects.models import ContactZone, Project
from tests.factories import OrganizationFactory, UserFactory
from tests.projects.api.test_query_counts import Rows

pytestmark = pytest.mark.django_db


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:300]
    return response.content.decode()


def test_project_page_shows_every_field_and_its_links(client, world, unconfirmed_partner):
    train = world["train"]
    html = page(client, f"/projects/{train.identifier}/")
    for text in (
        "Xi&#x27;an-Almaty cultural tourism train",
        "The first China-Central Asia cultural tourism train.",
        "Tourism train",
        "Implementation",
        "China",
        "Kazakhstan",
        "rail",
        "summit-outcome",
        "1,500,000.00 CNY",
        "https://example.org/train",
        train.identifier,
        "City government xian",
        'class="badge badge-published">Published<',
    ):
        assert text in html, text
    # Locations, listed and embedded for the map script.
    assert "Almaty" in html and 'id="map-data"' in html and "108.94" in html
    # Almaty is named as a partner, not yet confirmed: shown, and shown as unconfirmed.
    assert "City government almaty" in html
    assert 'class="badge badge-pending">Unconfirmed<' in html


def test_project_page_lists_its_zones_and_contacts(client, world):
    festival = world["festival"]
    html = page(client, f"/projects/{festival.identifier}/")
    assert f'href="/zones/{world["zone"].identifier}/"' in html
    assert f'href="/contacts/{world["contact"].identifier}/"' in html
    assert "Khorgos cross-border tourism zone" in html


def test_zone_page_shows_its_projects_contacts_and_map(client, world):
    zone = world["zone"]
    html = page(client, f"/zones/{zone.identifier}/")
    for text in (
        "Khorgos cross-border tourism zone",
        "Cross-border tourism cooperation zone",
        "Operational",
        "Khorgos",
        "Visa facilitation",
        "Visa-free stay inside the zone.",
        "Almaty apple festival",
        "Travel insurance claims hotline",
        'id="map-data"',
        "80.3",
    ):
        assert text in html, text


def test_contact_page_shows_how_to_reach_it(client, world):
    contact = world["contact"]
    html = page(client, f"/contacts/{contact.identifier}/")
    for text in (
        "Travel insurance claims hotline",
        "Insurance claims",
        "Silk Road Insurance",
        'href="tel:+77272000000"',
        'href="mailto:claims@example.org"',
        "Around the clock (24/7)",
        "Russian",
        "Chinese",
        "Khorgos cross-border tourism zone",
        "Almaty apple festival",
    ):
        assert text in html, text


def test_links_to_records_the_reader_cannot_see_are_left_out(client, world, editor_b):
    # Almaty links its contact to its own draft zone: members see the link, visitors do not.
    contact = world["contact"]
    write_links(contact, {"zones": [world["zone"].identifier, world["draft_b"].identifier]})
    assert "Hidden Almaty draft zone" not in page(client, f"/contacts/{contact.identifier}/")
    client.force_login(editor_b)
    assert "Hidden Almaty draft zone" in page(client, f"/contacts/{contact.identifier}/")


@pytest.mark.parametrize("kind", ["projects", "zones"])
def test_a_hidden_draft_is_a_404_for_visitors_and_outsiders(client, world, editor_b, kind):
    draft = world["draft_a"] if kind == "projects" else world["draft_b"]
    url = f"/{kind}/{draft.identifier}/"
    html = page(client, url, status=404)
    assert "Page not found" in html and "Secret" not in html and "Hidden" not in html
    outsider = editor_b if kind == "projects" else None
    if outsider is not None:
        client.force_login(outsider)
        page(client, url, status=404)


def test_a_member_sees_their_draft_with_what_it_still_lacks(client, world, viewer_a, editor_b):
    draft = world["draft_a"]
    client.force_login(viewer_a)
    html = page(client, f"/projects/{draft.identifier}/")
    assert "Secret Xi&#x27;an draft" in html
    assert 'class="badge badge-draft">Draft<' in html
    assert "Still missing" in html and "Description" in html
    # The list of missing fields is for the owner's members only.
    client.force_login(editor_b)
    assert "Still missing" not in page(client, f"/projects/{world['train'].identifier}/")


def test_an_unknown_identifier_is_the_friendly_404(client, db):
    html = page(client, "/projects/CN-NOWHERE-P-9/", status=404)
    assert "Back to the home page" in html and "<main" in html


def test_a_stale_record_says_so(client, world):
    train = world["train"]
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Project.objects.unscoped("test setup: an old confirmation").filter(pk=train.pk).update(
        confirmed_at=long_ago
    )
    html = page(client, f"/projects/{train.identifier}/")
    assert 'class="badge badge-stale">Stale<' in html
    assert "it may be out of date" in html


def test_completeness_is_shown_as_a_meter(client, world):
    html = page(client, f"/projects/{world['train'].identifier}/")
    assert '<meter class="meter" min="0" max="100"' in html


def test_record_actions_slot_is_only_for_signed_in_readers():
    """The signed-in pages (issue 7) fill projects/records/_record_actions.html with buttons."""
    engine = engines["django"].engine
    source = engine.find_template("projects/pages/_detail_base.html")[0].source
    assert (
        '{% if user.is_authenticated %}{% include "projects/records/_record_actions.html" %}'
        "{% endif %}" in source
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_detail_query_count_does_not_grow_with_its_links(client):
    """A zone with 5 or 100 linked contacts, a project with 5 or 100 related ones: the same
    number of queries."""
    counts = []
    for n in (5, 100):
        rows = Rows(OrganizationFactory(), OrganizationFactory(), UserFactory())
        contacts = rows.contacts(n)  # all linked to one zone
        zone = ContactZone.all_rows_for_internal_use.get(contact=contacts[0]).zone
        project = rows.projects(n)[0]  # the others are its children; n in one zone
        counts.append(
            (
                count_queries(client, f"/zones/{zone.identifier}/"),
                count_queries(client, f"/contacts/{contacts[0].identifier}/"),
                count_queries(client, f"/projects/{project.identifier}/"),
            )
        )
    assert counts[0] == counts[1]
