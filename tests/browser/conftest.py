"""The browser tests' harness: Debian's chromium driven by Playwright against a live server.

* One chromium per test session (`browser`), one fresh context per test (`context`, `new_context`).
* The site runs in pytest-django's live server thread on the test database; the tests need
  `transactional_db`, as the server's thread has its own connection (every test here asks for
  `live_server`, which brings it).
* Every test in tests/browser/ carries the `browser` marker: `make test` runs them once, in the
  PostgreSQL pass (the SQLite pass deselects them with `-m "not browser"`).
* Screenshots: `shot(page, "name")` writes docs/screenshots/<name>.png when SCREENSHOTS=1 and CI
  is unset (to commit a current set), else into the test's temporary folder, so a CI run leaves
  the tree clean.
* What the tests measure (axe-core, a first visit's weight) is in helpers.py.

Playwright's sync API runs its event loop in the test's thread, which makes Django's
"async-unsafe" guard refuse every ORM call the test itself makes (fixtures, assertions on the
database). The session's browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE while chromium is up and
restores it afterwards; nothing else in this suite is async.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

BROWSER_DIR = Path(__file__).parent
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in item.path.parents:
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
