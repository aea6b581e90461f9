"""The harness itself: the checks of test_pages.py can fail, under the site's real CSP."""

from tests.browser.helpers import axe_violations, weigh


def test_axe_runs_under_the_sites_csp_and_reports_a_serious_violation(page, site):
    response = page.goto("/")
    assert "script-src" in response.headers["content-security-policy"]
    assert axe_violations(page) == []
    # Break the page: an image with no text alternative, a button with no name.
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<img src="/x.png"><button></button>');
        }"""
    )
    found = {v["id"]: v for v in axe_violations(page)}
    assert {"image-alt", "button-name"} <= set(found)
    assert found["image-alt"]["impact"] == "critical"
    assert found["image-alt"]["targets"] == ["img"]


def test_weight_counts_every_response_compressed(page, site):
    weight = weigh(page, "/")
    urls = [url for url, _, _ in weight.responses]
    assert urls[0] == site + "/"
    assert any(url.endswith(".css") for url in urls)
    assert 0 < weight.compressed < weight.raw
    # Excluding by part of the URL drops those responses.
    lighter = weigh(page.context.new_page(), "/", exclude=(".css",))
    assert lighter.compressed < weight.compressed
