"""A request waits out a short restart of the primary (registry.middleware, issue 19).

The primary "restarts" by pointing the connection at a port where nothing listens, and back.
"""

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory

from registry.middleware import RowLevelSecurityMiddleware

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def answer(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok")


def call():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return RowLevelSecurityMiddleware(answer)(request)


@pytest.fixture
def primary_down():
    """The primary refuses connections until `back()`; put back in any case afterwards."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"

    def back():
        connection.settings_dict["PORT"] = port

    yield back
    back()
    connection.close()


def test_a_request_arriving_during_a_short_restart_is_answered(settings, primary_down):
    settings.DATABASE_CONNECT_RETRY_SECONDS = 10
    threading.Timer(0.6, primary_down).start()
    began = time.monotonic()
    assert call().status_code == 200
    assert time.monotonic() - began >= 0.5


def test_a_primary_down_for_longer_fails_the_request(settings, primary_down):
    settings.DATABASE_CONNECT_RETRY_SECONDS = 0
    with pytest.raises(OperationalError):
        call()
