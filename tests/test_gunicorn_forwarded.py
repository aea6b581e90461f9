"""gunicorn applies no X-Forwarded-* header unless Django is told of the proxy (issue 17,
finding 3): the production server, started with deploy/gunicorn.conf.py on a free port."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = {"X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl", "X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(port, path, headers):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture
def gunicorn():
    """gunicorn(**env) -> the port of a production-mode server (DEBUG=0) with that environment."""
    processes = []

    def start(**env):
        port = free_port()
        clean = {k: v for k, v in os.environ.items() if k not in ("SECURE_PROXY_SSL_HEADER",)}
        clean.pop("FORWARDED_ALLOW_IPS", None)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "registry.wsgi:application",
            ],
            cwd=ROOT,
            env={
                **clean,
                "DEBUG": "0",
                "SECRET_KEY": "gunicorn-test-key-not-secret-0123456789abcdef",
                "ALLOWED_HOSTS": "127.0.0.1",
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "1",
                **env,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if get(port, "/healthz", {})[0] == 200:
                    return port
            except OSError:
                time.sleep(0.3)
        raise AssertionError("gunicorn did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def test_a_local_client_cannot_claim_https(gunicorn):
    port = gunicorn()
    for header, value in CLAIMS.items():
        status, headers = get(port, "/healthz", {header: value})
        assert status == 200 and "Strict-Transport-Security" not in headers, header
        # Served as http: the page redirects to https, as any plain-http request.
        status, headers = get(port, "/api/v1/", {header: value})
        assert status == 301 and headers["Location"].startswith("https://"), header


def test_the_configured_proxy_header_is_trusted_and_only_it(gunicorn):
    port = gunicorn(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    status, headers = get(port, "/healthz", {"X-Forwarded-Proto": "https"})
    assert status == 200 and "Strict-Transport-Security" in headers
    status, headers = get(port, "/healthz", {"X-Forwarded-Ssl": "on"})
    assert status == 200 and "Strict-Transport-Security" not in headers
