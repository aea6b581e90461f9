"""Two app servers, one state (issue 19): any server answers any request.

Two real gunicorn servers (deploy/gunicorn.conf.py, DEBUG=0) on free loopback ports, on this
test database and the machine's Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15):

* a session made by signing in on one server is honoured by the other (sessions live in the
  shared cache, written through to the database: `cached_db` with REDIS_URL);
* sign-in failures counted on one server lock the account out on the other.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from registry import rls
from tests.factories import member

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "Caravanserai-on-the-silk-road-2025"

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_reachable() -> bool:
    parts = urllib.parse.urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def servers(tmp_path):
    """Two gunicorn servers sharing the test database and Redis; their ports."""
    if connection.vendor != "postgresql":
        pytest.skip("the servers run on PostgreSQL")
    if not redis_reachable():
        pytest.skip(f"no Redis at {REDIS_URL}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": "two-servers-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "WEB_CONCURRENCY": "1",
        "LOCKOUT_FAILURES": "2",
        # Two-factor enrolment is for tests/accounts/test_two_factor.py: nobody is forced here.
        "MFA_REQUIRED_ROLES": "",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env,
        check=True,
    )  # fmt: skip
    subprocess.run([python, "-c", "import redis,sys; redis.from_url(sys.argv[1]).flushdb()",
                    REDIS_URL], check=True)  # fmt: skip
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                str(Path(python).parent / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "registry.wsgi:application",
            ],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=(tmp_path / f"{port}.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for port in ports
    ]
    try:
        for port in ports:
            wait_until_up(port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn on {port} did not start")


def request(port: int, method: str, path: str, cookies: dict, body: dict | None = None):
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection_.request(method, path, body=data, headers=headers)
    response = connection_.getresponse()
    content = response.read().decode()
    for header in response.msg.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    connection_.close()
    return response.status, content, response


def get(port: int, path: str, cookies: dict | None = None):
    return request(port, "GET", path, cookies if cookies is not None else {})


def sign_in(port: int, username: str, password: str, cookies: dict) -> int:
    status, page, _ = request(port, "GET", "/accounts/login/", cookies)
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    return request(port, "POST", "/accounts/login/", cookies, form)[0]


@pytest.fixture
def person(org_a):
    with rls.system_context("test setup"):
        user = member(org_a, "admin", username="two-servers")
        # The servers use the production hasher, not the tests' fast one.
        hasher = PBKDF2PasswordHasher()
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save()
    return user


def test_a_session_made_on_one_server_is_honoured_by_the_other(servers, person):
    first, second = servers
    cookies: dict = {}
    assert get(second, "/dashboard/", dict(cookies))[0] == 302  # not signed in: to sign-in
    assert sign_in(first, person.username, PASSWORD, cookies) == 302
    assert "sessionid" in cookies
    status, page, _ = get(second, "/dashboard/", cookies)
    assert status == 200
    assert person.username in page


def test_sign_in_failures_on_one_server_lock_out_on_the_other(servers, person):
    first, second = servers
    assert sign_in(first, person.username, "wrong password", {}) == 200  # the form again
    assert sign_in(first, person.username, "wrong password", {}) == 429  # the second: locked
    cookies: dict = {}
    # The other server knows: the right password no longer signs in there either.
    assert sign_in(second, person.username, PASSWORD, cookies) == 429
    assert get(second, "/dashboard/", cookies)[0] == 302
