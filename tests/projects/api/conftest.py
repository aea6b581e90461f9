"""Fixtures for the API tests: clients signed in by session or by API key, a clean throttle."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.domain import keys
from tests.factories import member
from tests.projects.factories import create, place_in_state

HIGH_RATES = {"key": "100000/minute", "user": "100000/minute", "anon": "100000/minute"}


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    """Each test starts with empty throttle buckets and rates high enough not to interfere."""
    settings.API_THROTTLE_RATES = HIGH_RATES
    # Test users need no strong password hashing; it is most of a test's run time otherwise.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def session_client():
    """session_client(user) -> a client signed in as `user` through the session."""

    def build(user):
        client = APIClient()
        client.force_login(user)
        return client

    return build


def issue(user, organization, scopes="read,write", **kwargs):
    key, raw = keys.issue_key(user, organization, name="test key", scopes=scopes, **kwargs)
    return key, raw


@pytest.fixture
def key_client():
    """key_client(user, org, scopes) -> a client that sends `Authorization: Bearer <key>`."""

    def build(user, organization, scopes="read,write"):
        _, raw = issue(user, organization, scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return build


@pytest.fixture
def admin_b(org_b):
    return member(org_b, "admin", username="admin-b")


def published(model, organization, user, **overrides):
    return place_in_state(create(model, organization, user, **overrides), "published")


__all__ = ["create", "place_in_state", "published", "issue"]
