"""Every answer to a signed-in person is private (issue 17, finding 7): `Cache-Control:
private, no-store` on every signed-in page, `private` on private API answers, one middleware
rule (registry.middleware.PrivateCacheMiddleware). Public pages to visitors stay cacheable."""

import pytest
from rest_framework.test import APIClient

from tests.site_pages import page_dataset, page_urls


@pytest.fixture
def dataset(db):
    return page_dataset()


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_every_page_is_private_to_a_signed_in_person(client, dataset):
    client.force_login(dataset.users["org_admin"])
    seen = []
    for name, url in page_urls(dataset):
        response = client.get(url)
        seen.append(name)
        directives = cache_control(response)
        assert {"private", "no-store"} <= directives, (url, response.status_code, directives)
        assert "public" not in directives, url
    # The pages the probe named are among them.
    assert {"dashboard", "members", "api-keys", "project-edit", "record-history"} <= set(seen)


def test_public_pages_to_a_visitor_are_not_marked_private(client, dataset):
    for _name, url in page_urls(dataset, "public"):
        if url.startswith("/accounts/"):
            continue  # sign-in and reset forms are never cached (Django's never_cache)
        assert "private" not in cache_control(client.get(url)), url


def test_private_api_answers_are_private(dataset):
    session = APIClient()
    session.force_login(dataset.users["org_admin"])
    answer = session.get("/api/v1/api-keys/")
    assert answer.status_code == 200 and "private" in cache_control(answer)
    from accounts.domain import keys

    _, raw = keys.issue_key(dataset.users["org_admin"], dataset.orgs["a"], name="t", scopes="read")
    by_key = APIClient().get("/api/v1/api-keys/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_key.status_code == 200 and "private" in cache_control(by_key)
    draft = dataset.records["draft"].identifier
    answer = session.get(f"/api/v1/projects/{draft}/")
    assert answer.status_code == 200 and "private" in cache_control(answer)
