"""EXPLAIN ANALYZE of every query one of our API requests makes, against a benchmark database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \
        .venv/bin/python -m bench.explain "/api/v1/projects/?page_size=500" [--full]

The request goes through Django's test client (anonymous, behind the TLS proxy as in the
benchmark); each captured statement is then run again under EXPLAIN (ANALYZE, BUFFERS) and its
execution time and plan (the first lines, or all with --full) are printed, slowest first.
Add --profile to print a pyinstrument profile of the request as well.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("--full", action="store_true", help="whole plans")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile too")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    os.environ.setdefault("API_THROTTLE_ANON", "100000000/minute")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    headers = {}
    for header in args.header:
        name, value = header.split(":", 1)
        headers[f"HTTP_{name.strip().upper().replace('-', '_')}"] = value.strip()
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.get(args.path, **headers)  # warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(args.path, **headers)
    print(f"{args.path}: {response.status_code}, {len(captured)} queries")
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                # The request's transaction and its row-level security context (registry.rls).
                print(f"  (not explained: {query['sql'][:100]})")
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            lines = [row[0] for row in cursor.fetchall()]
            total = float(lines[-1].split(":")[1].split()[0]) if "Execution" in lines[-1] else 0
            plans.append((total, query["sql"], lines))
    for total, sql, lines in sorted(plans, key=lambda item: -item[0]):
        print(f"\n--- {total:.1f} ms: {sql[:160]}{'...' if len(sql) > 160 else ''}")
        print("\n".join(lines if args.full else lines[:12]))
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(5):
                client.get(args.path, **headers)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
