"""Every page in a real browser: accessible (axe-core), readable without JavaScript, light.

The pages and their arguments come from tests/site_pages.py (the same walk of the URL resolver as
tests/test_every_page.py). Signed out, the public pages; signed in (an organization's admin, who
sees the most buttons), every page; in English, Chinese and Russian.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SERIOUS, axe_run, axe_violations, describe_violations, weigh
from tests.site_pages import page_dataset, page_urls

LANGUAGES = ("en", "zh-hans", "ru")
WEIGHT_LIMIT = 150 * 1024
# The map's library and the countries' outlines are the one allowed exception (issue 8).
MAP_EXCLUDED = ("static/vendor/leaflet", "countries")


@pytest.fixture
def dataset(site):
    return page_dataset()


def visits(dataset, signed_in):
    """The pages an organization's admin (signed in) or a visitor reads; the platform admins'
    own pages are walked by tests/test_every_page.py."""
    public = page_urls(dataset, audience="public")
    return public + page_urls(dataset, audience="member") if signed_in else public


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_serious_accessibility_violation(new_context, dataset, language, signed_in, capsys):
    user = dataset.users["org_admin"] if signed_in else None
    page = new_context(language=language, user=user).new_page()
    found, lesser = {}, []
    for name, url in visits(dataset, signed_in):
        response = page.goto(url)
        assert response.status < 400, f"{url}: {response.status}"
        assert page.locator("html").get_attribute("lang") == language, url
        violations = axe_run(page)
        serious = [v for v in violations if v["impact"] in SERIOUS]
        if serious:
            found[f"{name} {url}"] = serious
        lesser += [f"{url} {v['id']} ({v['impact']})" for v in violations if v not in serious]
    with capsys.disabled():
        print(
            f"\naxe {language} signed {'in' if signed_in else 'out'}: {len(found)} pages with "
            f"serious or critical violations; minor or moderate: {lesser or 'none'}"
        )
    assert not found, "axe-core, impact serious or critical:\n" + describe_violations(found)


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_every_page_reads_without_javascript(new_context, dataset, signed_in):
    user = dataset.users["org_admin"] if signed_in else None
    page = new_context(user=user, java_script_enabled=False).new_page()
    for _name, url in visits(dataset, signed_in):
        response = page.goto(url)
        assert response.status < 400, f"{url}: {response.status}"
        main = page.locator("main")
        assert main.count() == 1, f"{url}: one <main>"
        assert main.is_visible(), f"{url}: the main content shows without JavaScript"
        assert main.locator("h1").first.is_visible(), f"{url}: its heading shows"
        assert len(main.inner_text().strip()) > 20, f"{url}: main content without JavaScript"
    # The language switcher is a form: it works without JavaScript too, and stays on the page.
    page.goto("/projects/")
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert page.url.endswith("/projects/")


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_every_page_weighs_under_150_kb_on_a_first_visit(new_context, dataset, signed_in, capsys):
    user = dataset.users["org_admin"] if signed_in else None
    heavy = {}
    figures = []
    for name, url in visits(dataset, signed_in):
        # A new context per page: an empty cache, as on a first visit.
        page = new_context(user=user).new_page()
        weight = weigh(page, url, exclude=MAP_EXCLUDED if name == "map" else ())
        figures.append(f"{weight.compressed / 1024:7.1f} KB ({weight.raw / 1024:7.1f} raw) {url}")
        if weight.compressed > WEIGHT_LIMIT:
            heavy[url] = weight.describe()
        page.context.close()
    with capsys.disabled():
        print(f"\npage weight, signed {'in' if signed_in else 'out'} (gzip, headers included):")
        print("\n".join(figures))
    assert not heavy, "over 150 KB compressed:\n" + "\n\n".join(
        f"{url}\n{details}" for url, details in heavy.items()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_roles_pages_and_errors_have_no_serious_accessibility_violation(
    new_context, dataset, language
):
    """What the organization admin's walk does not show: the partner's and the reviewer's
    dashboards, the reviewer's buttons; and where people meet errors: a refused sign-in, a record
    form sent incomplete, a workflow action refused for a missing comment."""
    found = {}
    page = new_context(language=language).new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("nobody")
    page.locator("input[name=password]").fill("wrong password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    found["sign-in refused"] = axe_violations(page)

    editor = new_context(language=language, user=dataset.users["editor"]).new_page()
    editor.goto("/projects/new/")
    # The form's own submit (not its "Add another" buttons, nor the hidden default for Enter).
    save = "main form.record-form button[type=submit]:not([name]):not([aria-hidden])"
    editor.locator(save).click()
    expect(editor.locator("#error-summary")).to_be_visible()
    found["record form with errors"] = axe_violations(editor)

    partner = new_context(language=language, user=dataset.users["admin_b"]).new_page()
    partner.goto("/dashboard/")
    expect(partner.locator("#participation-requests form").first).to_be_visible()
    found["dashboard with participation requests (the partner's admin)"] = axe_violations(partner)

    reviewer = new_context(language=language, user=dataset.users["reviewer"]).new_page()
    reviewer.goto("/dashboard/")
    found["dashboard with reviews (a reviewer)"] = axe_violations(reviewer)
    reviewer.goto(f"/projects/{dataset.records['revised'].identifier}/review/")
    found["review page with the reviewer's buttons"] = axe_violations(reviewer)
    form = reviewer.locator("#decision-form")
    form.locator("#decision-request_changes").check()
    with reviewer.expect_navigation() as navigation:
        form.locator("button").click()
    assert navigation.value.status == 400
    expect(reviewer.locator("main .field-error, main [role=alert]").first).to_be_visible()
    found["action refused"] = axe_violations(reviewer)

    found = {where: violations for where, violations in found.items() if violations}
    assert not found, "axe-core, impact serious or critical:\n" + describe_violations(found)
