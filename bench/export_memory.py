"""Benchmark (not a test): an export of 100,000 projects, its peak memory and its first bytes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_io \
        .venv/bin/python bench/export_memory.py [--rows 100000] [--formats csv,xlsx,json,geojson]

1. Seeds, once, an organization `bench-export` with `--rows` published projects (bulk inserts:
   this is setup, not the code under test; rerunning reuses them).
2. For each format, starts a fresh Python process that requests
   `/api/v1/projects/export.{format}?organization=bench-export` through Django's request
   handling (the view, the filters, the server-side cursor and the writer, as under a WSGI
   server), reads the streamed body chunk by chunk and reports: the time the first bytes
   arrived, the time the cursor handed over its last row (the query is finished then), the
   total time, the bytes, and the process's peak resident memory (ru_maxrss, Django included).

Run it on PostgreSQL: SQLite has no server-side cursors.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-export"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()


def seed(rows: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Organization, User
    from projects.models import Project
    from registry.models import system_access

    call_command("migrate", verbosity=0)
    organization, _ = Organization.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": {"en": "Benchmark city"},
            "kind": "local_government",
            "country": "CN",
            "identifier_prefix": "BENCH-EXPORT",
        },
    )
    user, _ = User.objects.get_or_create(username="bench-export-user")
    with system_access("benchmark setup: bulk rows to export"):
        have = Project.objects.filter(organization=organization).count()
        now = timezone.now()
        batch = []
        for number in range(have, rows):
            batch.append(
                Project(
                    organization=organization,
                    identifier=f"BENCH-EXPORT-P-{number:06d}",
                    created_by=user,
                    workflow_state="published",
                    published_at=now,
                    confirmed_at=now,
                    title={
                        "en": f"Silk Road cultural tourism train number {number}",
                        "zh": f"丝绸之路文旅专列 第{number}号",
                        "ru": f"Туристический поезд Шёлкового пути № {number}",
                    },
                    summary={"en": "A cross-border tourism train, China to Central Asia."},
                    category="tourism_train",
                    lifecycle_status="implementation",
                    countries=["CN", "KZ"],
                    tags=["rail", "benchmark"],
                    planned_start=datetime.date(2025, 5, 1),
                    planned_end=datetime.date(2027, 12, 31),
                    locations=[
                        {"name": "Xi'an", "lat": 34.34, "lon": 108.94},
                        {"name": "Almaty", "lat": 43.24, "lon": 76.89},
                    ],
                    budget_amount="1500000.00",
                    budget_currency="CNY",
                    website="https://example.org/train",
                    completeness=60,
                )
            )
            if len(batch) == 5000:
                Project.objects.bulk_create(batch)
                batch = []
        if batch:
            Project.objects.bulk_create(batch)
        print(f"{Project.objects.filter(organization=organization).count()} projects to export")


def measure(format: str) -> dict:
    """In this (fresh) process: one export, read as a client would."""
    from django.test import Client

    from projects.io import exporting

    cursor_done = {}
    original = exporting.chunks

    def timed_chunks(queryset, selected):
        yield from original(queryset, selected)
        cursor_done["at"] = time.perf_counter()

    exporting.chunks = timed_chunks
    client = Client()
    start = time.perf_counter()
    response = client.get(f"/api/v1/projects/export.{format}", {"organization": SLUG}, secure=True)
    assert response.status_code == 200, response.content[:500]
    first = None
    size = 0
    for chunk in response.streaming_content:
        if first is None and chunk:
            first = time.perf_counter()
        size += len(chunk)
    end = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    return {
        "format": format,
        "bytes": size,
        "first_bytes_s": round(first - start, 3),
        "last_row_fetched_s": round(cursor_done["at"] - start, 3),
        "total_s": round(end - start, 3),
        "peak_rss_mb": round(peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,json,geojson")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process's job
    options = parser.parse_args()
    setup_django()
    if options.measure:
        print(json.dumps(measure(options.measure)))
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL=postgres://...): it needs a server cursor.")
    seed(options.rows)
    print(
        f"{'format':8} {'first bytes':>12} {'last row':>10} {'total':>9} {'size':>10} "
        f"{'peak RSS':>9}"
    )
    for format in options.formats.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--measure", format],
            capture_output=True,
            text=True,
            check=True,
            # As in production: DEBUG off (no debug query log), a real secret key.
            env={**os.environ, "DEBUG": "0", "SECRET_KEY": "benchmark-only-secret-key-" * 2},
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{format:8} {result['first_bytes_s']:>11.2f}s {result['last_row_fetched_s']:>9.2f}s "
            f"{result['total_s']:>8.2f}s {result['bytes'] / 1048576:>8.1f}MB "
            f"{result['peak_rss_mb']:>7.1f}MB"
        )


if __name__ == "__main__":
    main()
