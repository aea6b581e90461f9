"""Lone requests, ours and B0's, alternating in one process: a quick ratio while changing code.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_10k \
        .venv/bin/python -m bench.lone "/api/v1/projects/?page_size=500" --requests 30

Ours goes through Django's test client (anonymous, behind the TLS proxy as in the benchmark),
B0 through its WSGI function, one request each in turn, so both see the same machine load; the
medians and B0 ÷ ours are printed. No server, no load tool, no concurrency: it says how far a
change moved a request's own cost, not the throughput `bench.run` measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    os.environ.setdefault("API_THROTTLE_ANON", "100000000/minute")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    os.environ.setdefault("SECRET_KEY", settings.SECRET_KEY)  # B0 signs cursors with it
    from bench import b0_raw

    path, _, query = args.path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
    }
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    def ours():
        response = client.get(args.path)
        assert response.status_code == 200, response.status_code

    def b0():
        b"".join(b0_raw.application(dict(environ), lambda status, headers: None))

    ours(), b0()  # warm: connections, caches, compiled steps
    times = {"ours": [], "B0": []}
    for _ in range(args.requests):
        for name, request in (("ours", ours), ("B0", b0)):
            start = time.perf_counter()
            request()
            times[name].append(time.perf_counter() - start)
    ours_ms = statistics.median(times["ours"]) * 1000
    b0_ms = statistics.median(times["B0"]) * 1000
    print(f"{args.path}: ours {ours_ms:.1f} ms, B0 {b0_ms:.1f} ms, B0 / ours {b0_ms / ours_ms:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
