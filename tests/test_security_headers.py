"""Response headers: a strict Content-Security-Policy on every page (the API docs and the admin
included) that the pages actually keep to, the proxy's https header trusted only when
configured, and health probes that answer over plain HTTP."""

import re

import pytest

from tests.factories import member

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# An executable inline script (a <script> with no src whose type runs), or an inline handler.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:json|ld\+json)\")[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()
    }


def assert_strict(response):
    directives = policy(response)
    for name, value in STRICT.items():
        assert directives.get(name) == value, (name, directives)
    assert "unsafe" not in response["Content-Security-Policy"]


def assert_keeps_to_the_policy(response):
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)


@pytest.fixture
def pages(db, org_a, platform_admin):
    member(org_a, "admin", username="admin-a")
    return [
        ("/", None),
        ("/accounts/login/", None),
        ("/accounts/password/", "admin-a"),
        ("/", "admin-a"),
        ("/api/docs/", None),
        ("/accounts/password/reset/", None),
        ("/accounts/two-factor/", "admin-a"),
        ("/admin/", "platform-admin"),
        ("/admin/accounts/organization/", "platform-admin"),
        ("/admin/accounts/organization/add/", "platform-admin"),
        ("/admin/accounts/user/", "platform-admin"),
        ("/admin/accounts/securityevent/", "platform-admin"),
        ("/admin/projects/project/", "platform-admin"),
    ]


def test_every_page_has_the_strict_policy_and_keeps_to_it(client, pages):
    from accounts.models import User

    for url, username in pages:
        client.logout()
        if username:
            client.force_login(User.objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert_keeps_to_the_policy(response)


def test_the_api_docs_script_is_a_file_the_policy_allows(client, db):
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script=' in page


@pytest.mark.parametrize("url", ["/api/v1/", "/healthz", "/static/css/site.css"])
def test_other_answers_carry_the_policy_too(client, db, url):
    assert_strict(client.get(url))


def test_the_forwarded_proto_header_is_not_trusted_unless_configured(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert settings.SECURE_PROXY_SSL_HEADER is None  # the default: no proxy is trusted
    forged = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301 and forged["Location"].startswith("https://")


def test_the_forwarded_proto_header_is_trusted_when_configured(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/").status_code == 301


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_health_probes_answer_over_plain_http(client, db, settings, url):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(url).status_code == 200
    assert client.get("/accounts/login/").status_code == 301
