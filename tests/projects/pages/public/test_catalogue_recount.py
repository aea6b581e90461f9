"""The catalogue's counts after a change (issue 21): where counting is slow, the page does not
count in the request; it shows the latest counts, says when they were made, and the worker
counts again. Where jobs run in-process (no broker), the request counts, as before."""

import re
import time

import pytest

from projects.models import Project
from projects.reads import facet_counts
from tests.projects.factories import create, place_in_state
from tests.worker import REDIS_URL

NOTE = "The counts were made at"


def found(html: str) -> int:
    return int(re.search(r"(\d+) records? found", html).group(1))


def publish(organization, editor, title: str) -> Project:
    return place_in_state(create(Project, organization, editor, title={"en": title}), "published")


@pytest.fixture
def every_count_slow(monkeypatch):
    """As at 1M records: every count takes longer than SLOW_COUNT_SECONDS."""
    monkeypatch.setattr(facet_counts, "SLOW_COUNT_SECONDS", 0)


@pytest.mark.django_db
def test_without_a_worker_the_request_counts_after_a_change(
    client, every_count_slow, org_a, editor_a
):
    publish(org_a, editor_a, "Almaty rail hub")
    assert found(client.get("/projects/").content.decode()) == 1
    publish(org_a, editor_a, "Tashkent logistics centre")
    html = client.get("/projects/").content.decode()
    assert found(html) == 2
    assert NOTE not in html


@pytest.fixture
def shared_cache(settings, celery_worker_process):
    """The page's cache is the worker's: Redis, under the worker's own prefix."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": celery_worker_process.cache_prefix,
        }
    }
    facet_counts.forget_local()
    yield
    facet_counts.forget_local()


def counted_again(client, language: str = "en") -> str:
    """The page once the worker has stored the counts again (within 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        facet_counts.forget_local()  # the shared cache is where the worker's counts land
        html = client.get("/projects/", headers={"accept-language": language}).content.decode()
        if NOTE not in html:
            return html
        time.sleep(0.3)
    raise AssertionError("the worker did not count again within 60 s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_a_change_the_worker_counts_again_and_the_page_says_so_meanwhile(
    client, every_count_slow, shared_cache, org_a, editor_a
):
    publish(org_a, editor_a, "Almaty rail hub")
    html = client.get("/projects/").content.decode()
    assert found(html) == 1 and NOTE not in html

    publish(org_a, editor_a, "Tashkent logistics centre")
    html = client.get("/projects/").content.decode()
    # The latest counts, said to be so; the list itself is current.
    assert NOTE in html
    assert found(html) == 1
    assert "Tashkent logistics centre" in html
    assert found(counted_again(client)) == 2

    publish(org_a, editor_a, "Urumqi dry port")
    html = client.get("/projects/", headers={"accept-language": "ru"}).content.decode()
    assert "Числа подсчитаны в" in html
    assert "Urumqi dry port" in html
    assert found(counted_again(client)) == 3
