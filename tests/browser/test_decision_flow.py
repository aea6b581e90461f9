"""Issue 18 in Chromium: the one decision form, the comment where the editor looks, readable
buttons, nothing clipped at a phone's and a laptop's width, the key's copy button.

* A reviewer requests changes on the decision form (a radio, one comment, one button); the
  editor reads the comment on the dashboard and on the edit page. The screenshot
  docs/screenshots/decision-form.png is taken on the way (SCREENSHOTS=1, see conftest.py).
* Every button variant of site.css passes axe's colour contrast, on a page with site.css only
  and on one with work.css too (the "Delete this draft" button was dark red on dark red).
* At 390 px and 1280 px no field of the members page or the new key's page is clipped, and the
  signed-in header keeps "Sign out" on the line of "Password".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import PlatformRole
from projects.models import Project
from tests.browser.helpers import axe_run, axe_violations, describe_violations
from tests.factories import OrganizationFactory, member
from tests.projects.factories import act, create, place_in_state

COMMENT = "Please name the partner city's operator in the summary."
VARIANTS = [
    "button",
    "button button-quiet",
    "button button-secondary",
    "button button-danger",
    "button button-quiet button-danger",
    "button button-small",
    "button button-quiet button-small",
]


@pytest.fixture
def people(site):
    secretariat = OrganizationFactory(
        slug="secretariat", identifier_prefix="SRR", kind="secretariat"
    )
    xian = OrganizationFactory(
        slug="xian",
        identifier_prefix="CN-XIAN",
        country="CN",
        name={"en": "Xi'an Municipal Government", "zh": "西安市人民政府"},
    )
    reviewer = member(secretariat, "viewer", username="reviewer-1", first_name="Olga")
    reviewer.platform_role = PlatformRole.REVIEWER
    reviewer.save()
    return {
        "organization": xian,
        "editor": member(xian, "editor", username="li.wei", first_name="Li", last_name="Wei"),
        "admin": member(xian, "admin", username="zhang.min", first_name="Zhang", last_name="Min"),
        "reviewer": reviewer,
    }


def test_a_reviewer_requests_changes_and_the_editor_reads_them(new_context, people, shot):
    project = create(Project, people["organization"], people["editor"], ref="TRAIN")
    act(people["editor"], project, "submit")

    reviewer = new_context(user=people["reviewer"]).new_page()
    reviewer.goto(f"/projects/{project.identifier}/review/")
    form = reviewer.locator("#decision-form")
    expect(form.locator("input[type=radio][name=action]")).to_have_count(3)
    expect(form.locator("textarea")).to_have_count(1)
    form.locator("#decision-request_changes").check()
    form.locator("#decision-comment").fill(COMMENT)
    form.scroll_into_view_if_needed()
    shot(reviewer, "decision-form")
    violations = {"review page": axe_violations(reviewer)}
    form.get_by_role("button", name="Send the decision").click()
    expect(reviewer.locator(".messages .message-success")).to_be_visible()
    assert Project.objects.unscoped("test").get(pk=project.pk).workflow_state == (
        "changes_requested"
    )

    editor = new_context(user=people["editor"]).new_page()
    editor.goto("/dashboard/")
    expect(editor.locator("#changes-requested")).to_contain_text(COMMENT)
    violations["dashboard"] = axe_violations(editor)
    editor.locator("#changes-requested").get_by_role("link", name="Edit").first.click()
    expect(editor.locator("#latest-comment")).to_contain_text(COMMENT)
    found = {where: found for where, found in violations.items() if found}
    assert not found, describe_violations(found)


def contrast_of_every_variant(page) -> list[dict]:
    """Put one button of each variant in the page's main, run axe's colour-contrast rule."""
    page.evaluate(
        """variants => {
            const box = document.createElement('div');
            box.id = 'every-button';
            for (const names of variants) {
                const button = document.createElement('button');
                button.className = names;
                button.textContent = names;
                box.appendChild(button);
            }
            document.querySelector('main').prepend(box);
        }""",
        VARIANTS,
    )
    axe_run(page)  # loads axe-core
    return page.evaluate(
        """async () => {
            const r = await axe.run('#every-button', {runOnly: ['color-contrast']});
            return r.violations.flatMap(v => v.nodes.map(n => n.target.join(' ') + ': '
                + n.failureSummary));
        }"""
    )


def test_every_button_variant_is_readable(new_context, people):
    project = place_in_state(
        create(Project, people["organization"], people["editor"], ref="OPEN"), "published"
    )
    draft = create(Project, people["organization"], people["editor"], ref="DRAFT")
    page = new_context(user=people["editor"]).new_page()
    # The record page loads site.css only; the dashboard work.css as well.
    for url in (f"/projects/{project.identifier}/", "/dashboard/"):
        page.goto(url)
        assert contrast_of_every_variant(page) == [], url
    page.goto(f"/projects/{draft.identifier}/")
    delete = page.get_by_role("button", name="Delete this draft")
    expect(delete).to_be_visible()
    colour, background = delete.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colour != background
    delete.click()
    expect(page.get_by_role("heading", name=f"Delete {draft.identifier}?")).to_be_visible()
    assert axe_violations(page) == []


FIELDS = "main input:not([type=hidden]), main select, main textarea"
CLIPPED = (
    "() => [...document.querySelectorAll('" + FIELDS + "')]"
    """.filter(el => el.offsetParent !== null).filter(el => {
        const box = el.getBoundingClientRect();
        return el.scrollWidth > el.clientWidth + 1 || box.right > window.innerWidth + 1
            || box.left < -1;
    }).map(el => el.id || el.name)"""
)


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_is_clipped_and_sign_out_stays_on_its_line(new_context, people, width):
    context = new_context(user=people["admin"], viewport={"width": width, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/organization/members/")
    expect(page.locator("main select[name=role]").first).to_be_visible()
    assert page.evaluate(CLIPPED) == [], "members"
    password = page.locator("header .account-links a").last.bounding_box()
    sign_out = page.locator("#sign-out").bounding_box()
    assert abs(password["y"] + password["height"] / 2 - sign_out["y"] - sign_out["height"] / 2) < 8

    for url in ("/organization/sister-cities/", "/organization/keys/", "/dashboard/"):
        page.goto(url)
        assert page.evaluate(CLIPPED) == [], url

    page.goto("/organization/keys/")
    page.get_by_label("Name", exact=True).fill("Booking sync")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-api-key")
    expect(key).to_be_visible()
    assert page.evaluate(CLIPPED) == [], "new key"
    raw_key = key.input_value()
    assert raw_key.startswith("srr_")
    copy = page.get_by_role("button", name="Copy the key")
    expect(copy).to_be_visible()
    page.wait_for_load_state("load")  # the deferred script has attached its handler
    copy.click()
    expect(page.locator("#copy-status")).not_to_be_empty()
    if width == 1280:
        assert page.evaluate("navigator.clipboard.readText()") == raw_key
