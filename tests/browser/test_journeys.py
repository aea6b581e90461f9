"""The registry's story in a real browser, in eight steps (issue 8), each with a screenshot.

A visitor filters the catalogue and opens a project; an editor of Xi'an (whose organization
requires sign-off) creates a project with Almaty as a partner and submits it; Xi'an's admin signs
it off; a reviewer requests changes with a comment; the editor fixes it and resubmits (and the
admin signs it off again); another reviewer approves; the visitor reads it published, in
Chinese; Almaty's admin confirms taking part.

Each actor signs in through the sign-in form in a browser context of their own. The steps share
one database, so they are one test; each step is a function named after it, and each saves
docs/screenshots/0N-<name>.png when SCREENSHOTS=1 (see conftest.shot).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import PlatformRole
from projects.models import Project
from tests.factories import DEFAULT_PASSWORD, OrganizationFactory, member
from tests.projects.factories import act, create

TITLE_EN = "Kashgar-Osh Silk Road caravan trail"
TITLE_ZH = "喀什至奥什丝路驼队古道"
SUMMARY_EN = "A walking and riding trail along the old caravan road over the Irkeshtam pass."
FIXED_SUMMARY_EN = SUMMARY_EN + " Funded by both cities and the regional tourism fund."
COMMENT = "Please say who funds the trail in the summary."


@pytest.fixture
def world(site):
    secretariat = OrganizationFactory(
        slug="secretariat",
        identifier_prefix="SRR",
        kind="secretariat",
        country="CN",
        name={"en": "Registry Secretariat", "zh": "丝路合作登记秘书处"},
    )
    xian = OrganizationFactory(
        slug="xian",
        identifier_prefix="CN-XIAN",
        country="CN",
        city="Xi'an",
        requires_signoff=True,
        name={"en": "Xi'an Municipal Government", "zh": "西安市人民政府"},
    )
    almaty = OrganizationFactory(
        slug="almaty",
        identifier_prefix="KZ-ALA",
        country="KZ",
        city="Almaty",
        name={"en": "Almaty City Akimat", "zh": "阿拉木图市政府"},
    )
    people = {
        "editor": member(xian, "editor", username="li.wei", first_name="Li", last_name="Wei"),
        "admin": member(xian, "admin", username="zhang.min", first_name="Zhang", last_name="Min"),
        "partner_admin": member(almaty, "admin", username="aigerim", first_name="Aigerim"),
    }
    for name in ("reviewer-1", "reviewer-2"):
        user = member(secretariat, "viewer", username=name)
        user.platform_role = PlatformRole.REVIEWER
        user.save()
        people[name] = user
    # Published records for the visitor's catalogue: two projects, in different countries.
    seed_editor = member(almaty, "editor", username="almaty-editor")
    for title, countries, category in (
        (
            {"en": "Almaty-Tashkent heritage rail tour", "zh": "阿拉木图至塔什干遗产铁路游"},
            ["KZ", "UZ"],
            "tourism_train",
        ),
        ({"en": "Medeu mountain festival", "zh": "麦迪奥山地节"}, ["KZ"], "event_festival"),
    ):
        record = create(
            Project, almaty, seed_editor, title=title, countries=countries, category=category
        )
        act(seed_editor, record, "submit")
        act(people["reviewer-1"], record, "approve")
    return {"orgs": {"xian": xian, "almaty": almaty}, "people": people}


def sign_in(new_context, user, language="en"):
    page = new_context(language=language).new_page()
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("username", re.I)).fill(user.username)
    page.get_by_label(re.compile("password", re.I)).fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    return page


def press(page, action: str, comment: str = ""):
    """Take a workflow action on the one decision form (projects/records/_decision_form.html):
    its radio when there is a choice, the comment, the one button."""
    form = page.locator("#decision-form")
    # Wait for the record's page: a click on a link does not wait for the page it opens, and
    # the radio counted on the page before would be none.
    expect(form).to_be_visible()
    radio = form.locator(f"#decision-{action}")
    if radio.count():
        radio.check()
    else:
        expect(form.locator(f"input[name=action][value={action}]")).to_have_count(1)
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    form.get_by_role("button").click()
    expect(page.locator(".messages .message-success")).to_be_visible()


def state_of(identifier: str) -> str:
    return (
        Project.objects.unscoped("the journey checks the state the pages moved it to")
        .get(identifier=identifier)
        .workflow_state
    )


def dashboard_link(page, section: str, name: str):
    """The link named `name` in a section of the dashboard (projects/records/dashboard.html)."""
    page.goto("/dashboard/")
    link = page.locator(f"#{section}").get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    return link


def test_a_project_from_the_visitor_to_the_partner(new_context, world, shot):
    people, almaty = world["people"], world["orgs"]["almaty"]
    visitor = new_context().new_page()

    # 1. A visitor filters the catalogue and opens a project.
    visitor.goto("/projects/")
    catalogue = visitor.locator("main")
    expect(catalogue.get_by_text("Medeu mountain festival")).to_be_visible()
    countries = visitor.locator("section.facet").filter(
        has=visitor.get_by_role("heading", name=re.compile("^Countr"))
    )
    countries.get_by_role("link", name=re.compile("Uzbekistan")).click()
    expect(visitor).to_have_url(re.compile("country=UZ"))
    expect(catalogue.get_by_text("Medeu mountain festival")).to_have_count(0)
    shot(visitor, "01-visitor-filters-the-catalogue")
    catalogue.get_by_role("link", name="Almaty-Tashkent heritage rail tour").click()
    expect(visitor.locator("h1")).to_have_text("Almaty-Tashkent heritage rail tour")
    assert re.search(r"/projects/KZ-ALA-[^/]+/$", visitor.url)

    # 2. An editor creates a project with a participant from another organization, submits it.
    editor = sign_in(new_context, people["editor"])
    editor.goto("/dashboard/")
    editor.get_by_role("link", name="New flagship project").click()
    editor.locator("#id_ref").fill("CARAVAN")
    editor.locator("#id_title_en").fill(TITLE_EN)
    editor.locator("#id_title_zh").fill(TITLE_ZH)
    editor.locator("#id_summary_en").fill(SUMMARY_EN)
    editor.locator("#id_category").select_option("tourism_route")
    editor.locator("#id_lifecycle_status").select_option("implementation")
    editor.locator("#id_countries_CN").check()
    editor.locator("#id_countries_KG").check()
    editor.locator("#id_planned_start").fill("2026-05-01")
    for index, (name, lat, lon) in enumerate(
        [("Kashgar", "39.47", "75.99"), ("Osh", "40.53", "72.80")]
    ):
        if index:
            editor.locator("[data-rows=locations] .add-row").click()
        editor.locator(f"#id_locations-{index}-name").fill(name)
        editor.locator(f"#id_locations-{index}-lat").fill(lat)
        editor.locator(f"#id_locations-{index}-lon").fill(lon)
    editor.locator("#id_participants-0-organization").fill(almaty.slug)
    editor.locator("#id_participants-0-organization").press("Escape")
    editor.locator("#id_participants-0-role").select_option("partner")
    editor.get_by_role("button", name="Save draft").click()
    identifier = "CN-XIAN-CARAVAN"
    expect(editor).to_have_url(re.compile(f"/projects/{identifier}/$"))
    press(editor, "submit")
    assert state_of(identifier) == "pending_signoff"
    shot(editor, "02-editor-creates-and-submits")

    # 3. The organization's admin signs it off.
    admin = sign_in(new_context, people["admin"])
    dashboard_link(admin, "signoffs", f"{identifier} — {TITLE_EN}").click()
    expect(admin).to_have_url(re.compile(f"/projects/{identifier}/$"))
    press(admin, "signoff")
    assert state_of(identifier) == "submitted"
    shot(admin, "03-admin-signs-off")

    # 4. A reviewer requests changes with a comment.
    reviewer = sign_in(new_context, people["reviewer-1"])
    dashboard_link(reviewer, "reviews", f"Review {identifier}").click()
    expect(reviewer.locator("h1")).to_contain_text(identifier)
    expect(reviewer.locator("main")).to_contain_text(TITLE_EN)
    press(reviewer, "request_changes", COMMENT)
    assert state_of(identifier) == "changes_requested"
    shot(reviewer, "04-reviewer-requests-changes")

    # 5. The editor fixes it and resubmits (Xi'an requires its admin's sign-off again).
    dashboard_link(editor, "changes-requested", f"Edit {identifier}").click()
    edit_url = editor.url
    # The reviewer's comment: in the record's history (the edit page links it).
    editor.locator("main").get_by_role("link", name="History").click()
    expect(editor.locator("main")).to_contain_text(COMMENT)
    editor.goto(edit_url)
    editor.locator("#id_summary_en").fill(FIXED_SUMMARY_EN)
    editor.get_by_role("button", name="Save changes").click()
    editor.wait_for_load_state()
    press(editor, "submit")
    assert state_of(identifier) == "pending_signoff"
    shot(editor, "05-editor-fixes-and-resubmits")
    dashboard_link(admin, "signoffs", f"Review {identifier}").click()
    press(admin, "signoff")

    # 6. Another reviewer approves.
    second = sign_in(new_context, people["reviewer-2"])
    dashboard_link(second, "reviews", f"Review {identifier}").click()
    expect(second.locator("main")).to_contain_text(FIXED_SUMMARY_EN)
    press(second, "approve")
    assert state_of(identifier) == "published"
    shot(second, "06-second-reviewer-approves")

    # 7. The visitor sees it published, in Chinese (switched with the page's language buttons).
    visitor.goto(f"/projects/{identifier}/")
    visitor.get_by_role("button", name="简体中文").click()
    visitor.wait_for_load_state()
    expect(visitor.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(visitor.locator("h1")).to_have_text(TITLE_ZH)
    expect(visitor.locator("main")).to_contain_text("西安市人民政府")
    expect(visitor.locator("main")).to_contain_text("已发布")  # "Published"
    # Almaty has not confirmed yet: its participation shows as unconfirmed.
    row = visitor.locator("main tr").filter(has_text="阿拉木图市政府")
    expect(row.locator("td").last).not_to_have_text(re.compile("Confirmed|已确认"))
    shot(visitor, "07-visitor-reads-it-in-chinese")

    # 8. The participant's admin confirms taking part.
    partner = sign_in(new_context, people["partner_admin"])
    partner.goto("/dashboard/")
    requests = partner.locator("#participation-requests")
    expect(requests).to_contain_text(identifier)
    requests.get_by_role("button", name=re.compile(f"Confirm {identifier}")).click()
    partner.get_by_role("button", name="Yes, confirm the participation").click()  # issue 18
    partner.wait_for_load_state()
    expect(partner.locator("#participation-requests")).not_to_contain_text(identifier)
    partner.goto(f"/projects/{identifier}/")
    row = partner.locator("main tr").filter(has_text="Almaty City Akimat")
    expect(row.locator("td").last).to_have_text("Confirmed")
    shot(partner, "08-partner-confirms")
