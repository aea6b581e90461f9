"""The dashboard of the largest organization's editor, as the application role (issue 21).

    DATABASE_URL=postgres://bench_owner@127.0.0.1:5432/bench_100k .venv/bin/python manage.py migrate
    DEBUG=0 SECRET_KEY=x ALLOWED_HOSTS=testserver SECURE_SSL_REDIRECT=0 \
        DATABASE_URL=postgres://bench_app@127.0.0.1:5432/bench_100k \
        .venv/bin/python -m bench.dashboard --requests 9 [--path /dashboard/]

In-process with the Django test client, signed in as an editor of organization 2 (the largest in
the generated data), row-level security enforced; prints the median, min and max in ms and the
number of queries of one request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=9)
    parser.add_argument("--organization", type=int, default=2)
    parser.add_argument("--path", action="append")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import Membership
    from registry.rls import system_context

    with system_context("bench"):
        membership = (
            Membership.objects.unscoped("bench")
            .filter(organization_id=arguments.organization, role="editor")
            .select_related("user")
            .first()
        )
    client = Client()
    client.force_login(membership.user)
    for path in arguments.path or ["/dashboard/"]:
        client.get(path)  # warm: content types, sessions
        queries: list[float] = []  # each statement's time, ms, in one request

        def timed(execute, sql, params, many, context, found=queries):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                found.append((time.perf_counter() - start) * 1000)

        with connection.execute_wrapper(timed):
            status = client.get(path).status_code
        times = []
        for _ in range(arguments.requests):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{path} status {status} queries {len(queries)} ({sum(queries):.0f} ms of SQL)"
            f" median {statistics.median(times):.0f} ms"
            f" min {min(times):.0f} max {max(times):.0f} (n={len(times)}) user {membership.user}"
        )


if __name__ == "__main__":
    main()
