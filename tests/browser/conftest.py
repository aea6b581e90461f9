"""The browser tests' harness: Debian's chromium driven by Playwright against a live server.

* One chromium per test session (`browser`), one fresh context per test (`context`, `new_context`).
* The site runs in pytest-django's live server thread on the test database; the tests need
  `transactional_db`, as the server's thread has its own connection (every test here asks for
  `live_server`, which brings it).
* Every test in tests/browser/ carries the `browser` marker: `make test` runs them once, in the
  PostgreSQL pass (the SQLite pass deselects them with `-m "not browser"`).
* Screenshots: `shot(page, "name")` writes docs/screenshots/<name>.png when SCREENSHOTS=1 (to
  commit a current set), else into the test's temporary folder, so a CI run leaves the tree clean.

Playwright's sync API runs its event loop in the test's thread, which makes Django's
"async-unsafe" guard refuse every ORM call the test itself makes (fixtures, assertions on the
database). The session's browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE while chromium is up and
restores it afterwards; nothing else in this suite is async.
"""

from __future__ import annotations

import gzip
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

BROWSER_DIR = Path(__file__).parent
AXE_SOURCE = BROWSER_DIR / "vendor" / "axe.min.js"
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        # Not a skip: the install step (deploy/install-browser.sh, run by `make install` and
        # .ci/run) puts Debian's chromium there; without it the browser tests cannot pass.
        raise RuntimeError("chromium is not installed: run deploy/install-browser.sh")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's base URL (no trailing slash)."""
    return live_server.url


@pytest.fixture
def new_context(browser, site):
    """new_context(language="en", user=None, **options): a fresh context, closed after the test.

    `language` sets Django's language cookie; `user` signs that user in by a session cookie
    (journeys sign in through the form instead).
    """
    contexts = []

    def make(language: str = "en", user=None, **options):
        options.setdefault("viewport", VIEWPORT)
        options.setdefault("base_url", site)
        context = browser.new_context(**options)
        cookies = [language_cookie(site, language)]
        if user is not None:
            cookies.append(session_cookie(site, user))
        context.add_cookies(cookies)
        # Generous: CI runs these beside the rest of the suite on two shared cores.
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


def language_cookie(site: str, language: str) -> dict:
    return {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}


def session_cookie(site: str, user) -> dict:
    """A signed-in session for `user`, made by Django's test client, as a browser cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": site,
    }


@pytest.fixture
def shot(request, tmp_path):
    """shot(page, "01-visitor-catalogue"): a 1280x800 PNG of the viewport (see the module doc)."""
    to_docs = os.environ.get("SCREENSHOTS") == "1" and not os.environ.get("CI")
    folder = SCREENSHOT_DIR if to_docs else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), type="png", full_page=False)
        if to_docs:  # the committed set stays light (README shows them all)
            assert path.stat().st_size < 150 * 1024, f"{path.name}: over 150 KB"
        return path

    return take


# --- Accessibility: axe-core ------------------------------------------------------------------

SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page; its violations of impact serious or critical."""
    return [v for v in axe_run(page) if v["impact"] in SERIOUS]


def axe_run(page) -> list[dict]:
    """Run axe-core on the page; all its violations (id, impact, help, targets).

    The site's CSP refuses inline scripts, and Playwright's add_script_tag(path=...) injects an
    inline one; evaluating the source through the DevTools protocol is not subject to the CSP.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return result


def describe_violations(violations_by_page: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in violations_by_page.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} -> {v['targets']}")
    return "\n".join(lines)


# --- Page weight ------------------------------------------------------------------------------


@dataclass
class Weight:
    """What a first visit transfers. The site itself does not compress HTML (no GZipMiddleware:
    in production a proxy may), and WhiteNoise only compresses collected static files; so a body
    sent without Content-Encoding is counted at its gzip size (level 6), which is what a
    compressing server would send. Headers are counted as sent."""

    responses: list[tuple[str, int, int]] = field(default_factory=list)  # url, raw, compressed

    @property
    def compressed(self) -> int:
        return sum(compressed for _, _, compressed in self.responses)

    @property
    def raw(self) -> int:
        return sum(raw for _, raw, _ in self.responses)

    def describe(self) -> str:
        return "\n".join(f"{c:>8} {r:>8} {u}" for u, r, c in self.responses)


def weigh(page, url: str, *, exclude=()) -> Weight:
    """Load `url` in a fresh page of an empty-cache context and weigh every response."""
    weight = Weight()
    seen = []
    page.on("response", lambda response: seen.append(response))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    for response in seen:
        if any(part in response.url for part in exclude):
            continue
        try:
            body = response.body()
        except Exception:  # a redirect has no body
            body = b""
        headers = response.request.sizes()["responseHeadersSize"]
        encoded = response.headers.get("content-encoding")
        if encoded:
            compressed = response.request.sizes()["responseBodySize"]
        else:
            compressed = len(gzip.compress(body, compresslevel=6)) if body else 0
        weight.responses.append((response.url, len(body) + headers, compressed + headers))
    return weight
