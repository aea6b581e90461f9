"""Issue 18 in a real browser: the import in the official's words, and the map with names and
clusters. Screenshots: docs/screenshots/import-with-labels.png and map.png (SCREENSHOTS=1)."""

import io

from playwright.sync_api import expect

from projects.domain import demo
from tests.projects.io.conftest import flat_file, rows_of
from tests.projects.test_demo import build


def test_the_import_reads_labels_and_shows_every_error_at_once(new_context, org_a, editor_a, shot):
    page = new_context(user=editor_a).new_page()
    page.goto("/dashboard/")
    page.get_by_role("link", name="Import from a file").click()
    expect(page.locator("h1")).to_contain_text("Import projects")
    # The column guide is a page, one click away.
    page.get_by_role("link", name="The columns of the import: what to write in each").click()
    expect(page.locator("#column-category")).to_contain_text("Event or festival")
    page.go_back()

    rows = rows_of("csv", "projects", 3)
    rows[0] |= {"category": "Event or festival", "countries": "China; Kazakhstan",
                "locations": "Xi'an; 34.34; 108.94\nAlmaty; 43.24; 76.89"}  # fmt: skip
    rows[1] |= {"category": "旅游专列", "countries": "中国;哈萨克斯坦"}
    rows[2] |= {"category": "volcano", "planned_start": "next spring", "countries": "Atlantis"}
    page.set_input_files(
        "#import-file",
        files=[{"name": "projects.csv", "mimeType": "text/csv", "buffer": flat_file("csv", rows)}],
    )
    page.get_by_role("button", name="Check the file").click()
    report = page.locator("body")
    expect(report).to_contain_text("nothing was imported")
    expect(report).to_contain_text("Event or festival (event_festival)")  # the choices, named
    expect(report).to_contain_text("YYYY-MM-DD")  # the date, in the same pass
    expect(report).to_contain_text("Atlantis")
    expect(page.locator("input[name=token]")).to_have_count(0)
    shot(page, "import-with-labels")

    good = flat_file("csv", rows[:2])
    page.goto("/projects/import/")
    page.set_input_files(
        "#import-file", files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": good}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("body")).to_contain_text("2 would be created")


def test_the_map_names_places_and_clusters_points(new_context, site, shot):
    orgs, users = build()
    demo.seed_records(orgs, users, io.StringIO())
    page = new_context().new_page()
    page.goto("/map/")
    expect(page.locator(".map-label-city", has_text="Khorgos")).to_be_visible()
    expect(page.locator(".map-label-city", has_text="Samarkand")).to_be_visible()
    expect(page.locator(".map-label-country", has_text="Kazakhstan")).to_be_visible()
    expect(page.locator(".marker-cluster").first).to_be_visible()  # crowded points gathered
    expect(page.locator("path.leaflet-interactive").first).to_be_visible()  # zones as areas
    shot(page, "map")

    chinese = new_context(language="zh-hans").new_page()
    chinese.goto("/map/")
    expect(chinese.locator(".map-label-city", has_text="霍尔果斯")).to_be_visible()
    expect(chinese.locator(".map-label-country", has_text="哈萨克斯坦")).to_be_visible()
