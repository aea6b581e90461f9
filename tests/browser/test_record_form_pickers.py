"""The new project form's pickers in chromium (issue 18): countries found by typing and ticked,
places clicked on the map and dragged, a zone and a participant chosen by type-ahead on their
names in another language, rows added; what is saved is what was picked. Another
organization's draft zone is never suggested."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from projects.domain.content import content_of
from projects.models import Participation, Project, Zone
from registry.tenancy import Actor, visible
from tests.browser.helpers import axe_violations, describe_violations
from tests.factories import OrganizationFactory, member
from tests.projects.factories import create, place_in_state


def test_new_project_with_the_pickers(new_context, shot):
    xian = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    almaty = OrganizationFactory(
        slug="almaty",
        identifier_prefix="KZ-ALA",
        country="KZ",
        name={"en": "Almaty city akimat", "ru": "Акимат города Алматы"},
    )
    editor = member(xian, "editor")
    almaty_editor = member(almaty, "editor")
    khorgos = create(
        Zone, almaty, almaty_editor, name={"en": "Khorgos border zone", "zh": "霍尔果斯边境合作区"}
    )
    place_in_state(khorgos, "published")
    create(Zone, almaty, almaty_editor, name={"en": "Khorgos secret draft"})

    page = new_context(user=editor).new_page()
    page.goto("/projects/new/")
    page.locator("#id_ref").fill("PICKED")
    page.locator("#id_title_en").fill("Kashgar-Osh caravan route")

    # Countries: the region first; others found by typing.
    countries = page.locator("#group-countries")
    countries.get_by_label("Find a country").fill("kyrg")
    expect(countries.get_by_label("Kazakhstan")).to_be_hidden()
    countries.get_by_label("Kyrgyzstan").check()
    countries.get_by_label("Find a country").fill("")
    countries.get_by_label("China", exact=True).check()

    # Places: a click on the map adds a row; a drag moves the marker and its coordinates.
    places = page.locator("[data-rows=locations]")
    place_map = page.locator("#location-map")
    expect(place_map).to_be_visible()
    place_map.scroll_into_view_if_needed()
    box = place_map.bounding_box()
    place_map.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.5})
    expect(page.locator("#id_locations-0-lat")).not_to_have_value("")
    page.locator("#id_locations-0-name").fill("Kashgar")
    place_map.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.45})
    expect(page.locator("#id_locations-1-lat")).not_to_have_value("")
    page.locator("#id_locations-1-name").fill("Osh")
    before = page.locator("#id_locations-1-lon").input_value()
    marker = page.locator(".leaflet-marker-icon").nth(1)
    marker_box = marker.bounding_box()
    x = marker_box["x"] + marker_box["width"] / 2
    y = marker_box["y"] + marker_box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 10, steps=8)
    page.mouse.up()
    expect(page.locator("#id_locations-1-lon")).not_to_have_value(before)
    expect(places.locator("li.row")).to_have_count(2)

    # A zone by type-ahead on its Chinese name; the other organization's draft never shows.
    zones = page.locator("#id_zones")
    zones.fill("Khorgos")
    suggested = page.locator("#group-zones .typeahead-list").get_by_role("option")
    expect(suggested).to_have_count(1)
    zones.fill("霍尔果斯")
    suggested.filter(has_text="Khorgos border zone").click()
    expect(page.locator("#group-zones .chip")).to_contain_text("Khorgos border zone")
    zones.fill("secret")
    expect(page.locator("#group-zones .typeahead-list")).to_contain_text("Nothing found")
    zones.press("Escape")

    # A participant by type-ahead on its Russian name, with a second row added and removed.
    participants = page.locator("[data-rows=participants]")
    participants.get_by_role("button", name="Add another").click()
    expect(participants.locator("li.row")).to_have_count(2)
    participants.locator("li.row").nth(1).get_by_role("button", name="Remove").click()
    expect(participants.locator("li.row")).to_have_count(1)
    page.locator("#id_participants-0-organization").fill("Акимат")
    participants.locator(".typeahead-list").get_by_role("option").first.click()
    expect(page.locator("#id_participants-0-organization")).to_have_value("almaty")
    page.locator("#id_participants-0-role").select_option("partner")

    violations = axe_violations(page)
    assert not violations, describe_violations({"/projects/new/": violations})
    place_map.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollBy(0, -90)")
    shot(page, "record-form-pickers")

    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile("/projects/CN-XIAN-PICKED/$"))
    actor = Actor.for_user(editor)
    project = visible(actor, Project).get(identifier="CN-XIAN-PICKED")
    assert sorted(project.countries) == ["CN", "KG"]
    assert [place["name"] for place in project.locations] == ["Kashgar", "Osh"]
    assert all(25 < place["lat"] < 55 and 30 < place["lon"] < 130 for place in project.locations)
    assert content_of(project)["zones"] == [khorgos.identifier]
    participation = visible(actor, Participation).get(project=project)
    assert (participation.participant, participation.role) == (almaty, "partner")


def test_a_zones_area_is_drawn_on_the_map(new_context, shot):
    """Click "Draw", three corners, "Use this area": the GeoJSON box holds the closed polygon
    and the saved zone has it."""
    almaty = OrganizationFactory(slug="almaty", identifier_prefix="KZ-ALA", country="KZ")
    editor = member(almaty, "editor")
    page = new_context(user=editor).new_page()
    page.goto("/zones/new/")
    page.locator("#id_ref").fill("DRAWN")
    page.locator("#id_name_en").fill("Khorgos border cooperation centre")

    area = page.locator("#geometry-preview")
    expect(area).to_be_visible()
    area.scroll_into_view_if_needed()
    finish = page.get_by_role("button", name="Use this area")
    expect(finish).to_be_hidden()
    page.get_by_role("button", name="Draw the area on the map").click()
    expect(finish).to_be_disabled()
    box = area.bounding_box()
    for x, y in ((0.40, 0.40), (0.55, 0.40), (0.50, 0.60)):
        area.click(position={"x": box["width"] * x, "y": box["height"] * y})
    expect(page.locator(".geometry-controls [aria-live]")).to_contain_text("3")
    shot(page, "zone-area-drawn")
    finish.click()
    expect(finish).to_be_hidden()
    drawn = json.loads(page.locator("#id_geometry").input_value())
    (ring,) = drawn["coordinates"]
    assert drawn["type"] == "Polygon" and len(ring) == 4 and ring[0] == ring[-1]
    assert all(40 < lon < 130 and 20 < lat < 60 for lon, lat in ring), ring

    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/zones/KZ-ALA-DRAWN/$"))
    zone = visible(Actor(platform_role="platform_admin"), Zone).get(identifier="KZ-ALA-DRAWN")
    assert zone.geometry["coordinates"] == drawn["coordinates"]
