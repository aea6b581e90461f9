"""The design system's promises on every public page: landmarks, a skip link, the navigation,
no inline code or style (the CSP forbids them), friendly error pages, a small transfer."""

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"


def public_urls(world) -> list[str]:
    return [
        "/",
        "/projects/",
        "/zones/",
        "/contacts/",
        f"/projects/{world['train'].identifier}/",
        f"/zones/{world['zone'].identifier}/",
        f"/contacts/{world['contact'].identifier}/",
        "/map/",
        "/stats/",
        "/organizations/",
        "/organizations/almaty/",
    ]


def test_every_page_has_landmarks_skip_link_and_navigation(client, world, editor_a):
    for who in (None, editor_a):
        if who is not None:
            client.force_login(who)
        for url in public_urls(world):
            html = client.get(url).content.decode()
            assert '<a class="skip-link" href="#main">' in html, url
            assert '<main id="main"' in html, url
            for landmark in ("<header", "<nav", "<footer"):
                assert landmark in html, (url, landmark)
            for link in (
                "/projects/",
                "/zones/",
                "/contacts/",
                "/map/",
                "/stats/",
                "/organizations/",
            ):
                assert f'href="{link}"' in html, (url, link)
            assert 'name="language"' in html  # the language switcher is on every page


def test_no_inline_script_or_style(client, world):
    """The CSP allows scripts and styles from files only: data may be embedded as JSON."""
    for url in public_urls(world):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<style" not in html, url
        for attributes in re.findall(r"<script([^>]*)>", html):
            data = ('type="application/json"', 'type="application/ld+json"')  # data, not code
            assert "src=" in attributes or any(kind in attributes for kind in data), url
        assert not re.search(r"\son[a-z]+=", html), url  # no onclick= and the like


def test_the_dashboard_link_appears_only_when_the_route_exists(client, world, editor_a):
    from django.urls import NoReverseMatch, reverse

    client.force_login(editor_a)
    html = client.get("/").content.decode()
    try:
        url = reverse("dashboard")
    except NoReverseMatch:
        assert ">Dashboard<" not in html
    else:
        assert f'href="{url}"' in html


def test_404_is_the_friendly_page(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "site-header" in html and "Back to the home page" in html


def test_403_template_renders_with_the_reason(rf, db):
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string("403.html", {"exception": "Only admins may."}, request=request)
    assert "Not allowed" in html and "Only admins may." in html


def test_500_renders_without_a_request_or_the_database():
    """Django renders 500.html with no context at all; it must not touch the database."""
    with CaptureQueriesContext(connection) as captured:
        html = render_to_string("500.html")
    assert len(captured) == 0
    assert "Something went wrong" in html and "/static/css/site.css" in html
    assert "csrfmiddlewaretoken" not in html  # no language form without a token


def test_a_page_with_its_files_transfers_under_150_kb_compressed(client, world):
    """The heaviest page, the map: its HTML, the stylesheets, Leaflet, the outlines, the script."""
    html = client.get("/map/").content
    files = re.findall(r'(?:href|src|data-atlas)="/static/([^"]+)"', html.decode())
    assert "vendor/world-atlas/countries-110m.json" in files
    total = len(gzip.compress(html)) + sum(
        len(gzip.compress((STATIC / name).read_bytes())) for name in set(files)
    )
    assert total < 150 * 1024, total


def test_the_stylesheet_stays_small():
    assert len(gzip.compress((STATIC / "css" / "site.css").read_bytes())) < 10 * 1024


def test_no_page_repeats_an_id(client, world, viewer_a):
    """Labels, skip links and aria references point at ids: each must be unique on its page."""
    client.force_login(viewer_a)
    for url in public_urls(world):
        ids = re.findall(r'\sid="([^"]+)"', client.get(url).content.decode())
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))
