"""Search and lists as the application's role vs the superuser, in one run (issue 21).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \
        .venv/bin/python manage.py setup_database_roles --owner bench_owner --app bench_app
    DATABASE_URL=postgres://bench_owner@127.0.0.1:5432/bench_100k .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.roles --database bench_100k --app bench_app --requests 9

Each path is asked by two processes in turn, one connected as the application role (row-level
security enforced) and one as the superuser, with the Django test client (anonymous, DEBUG=0), so
both see the same machine load; the medians and app ÷ superuser are printed. Lone requests, no
concurrency: what one request costs under each role, not the throughput `bench.run` measures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

PATHS = (
    "/api/v1/projects/",
    "/api/v1/projects/?q=94685",
    "/api/v1/projects/?q=zzzz",
    "/api/v1/projects/?q=KZ-ASTAN",
    "/api/v1/projects/?q=train",
    "/projects/?q=94685",
    "/projects/?q=train",
)

WORKER = """
import json, sys, time
import django
django.setup()
from django.test import Client
client = Client()
for line in sys.stdin:
    path = line.strip()
    start = time.perf_counter()
    status = client.get(path).status_code
    print(json.dumps([status, (time.perf_counter() - start) * 1000]), flush=True)
"""


def _worker(database_url: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "API_THROTTLE_ANON": "100000000/minute",
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )


def _ask(worker: subprocess.Popen, path: str) -> float:
    worker.stdin.write(path + "\n")
    worker.stdin.flush()
    status, milliseconds = json.loads(worker.stdout.readline())
    if status != 200:
        raise SystemExit(f"{path}: {status}")
    return milliseconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_100k")
    parser.add_argument("--app", default="bench_app", help="the application role")
    parser.add_argument("--superuser", default="postgres")
    parser.add_argument("--server", default="127.0.0.1:5432")
    parser.add_argument("--requests", type=int, default=9)
    args = parser.parse_args(argv)
    workers = {
        role: _worker(f"postgres://{role}@{args.server}/{args.database}")
        for role in (args.app, args.superuser)
    }
    try:
        print(f"{'path':34} {'app role':>10} {'superuser':>10} {'ratio':>6}")
        for path in PATHS:
            times = {role: [] for role in workers}
            for _ in range(args.requests + 1):  # the first of each is a warm-up
                for role, worker in workers.items():
                    times[role].append(_ask(worker, path))
            app, superuser = (statistics.median(times[role][1:]) for role in workers)
            print(f"{path:34} {app:8.1f}ms {superuser:8.1f}ms {app / superuser:6.2f}")
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
