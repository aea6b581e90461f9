"""Benchmark (not a test): an import's peak memory does not grow with the file's length.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_io \
        .venv/bin/python bench/import_memory.py [--rows 2000,10000] [--format csv]

For each row count, a fresh Python process writes a file of that many projects, then runs a dry
run of the import service over it (every row through projects.domain.services.create_record, in one
transaction rolled back at the end) and reports its time and the process's peak resident memory
(ru_maxrss, Django included). Rows are read one at a time; what the importer keeps per row is the
identifier (for duplicates) and at most 1,000 errors, so the peaks should stay close together.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-import"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()


def csv_file(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["ref", "title.en", "title.zh", "summary.en", "category", "countries", "locations",
         "planned_start", "planned_end", "budget_amount", "budget_currency"]
    )  # fmt: skip
    for number in range(rows):
        writer.writerow(
            [f"IMPORT-{number:06d}", f"Tourism train {number}", f"文旅专列 {number}",
             "A cross-border tourism train.", "tourism_train", "CN;KZ",
             "Xi'an|34.34|108.94;Almaty|43.24|76.89", "2025-05-01", "2027-12-31", "1500000.00",
             "CNY"]
        )  # fmt: skip
    return buffer.getvalue().encode()


def measure(rows: int) -> dict:
    from accounts.domain import services
    from accounts.models import Membership, Organization, User
    from projects.io.importing import import_file
    from projects.models import Project
    from registry.tenancy import Actor

    organization = Organization.objects.filter(slug=SLUG).first() or services.create_organization(
        SLUG, "Import benchmark city", "local_government", "CN", "BENCH-IMPORT"
    )
    user, _ = User.objects.get_or_create(username="bench-import-user")
    Membership.objects.unscoped("benchmark setup").get_or_create(
        organization=organization, user=user, defaults={"role": "editor"}
    )
    data = csv_file(rows)
    start = time.perf_counter()
    report = import_file(
        Actor.for_user(user),
        organization,
        Project,
        io.BytesIO(data),
        "bench.csv",
        len(data),
        dry_run=True,
    )
    seconds = time.perf_counter() - start
    assert report.ok and report.created == rows, report.errors[:3]
    return {
        "rows": rows,
        "file_mb": round(len(data) / 1048576, 2),
        "seconds": round(seconds, 1),
        "ms_per_row": round(1000 * seconds / rows, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="2000,10000")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    setup_django()
    if options.measure:
        print(json.dumps(measure(options.measure)))
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"{'rows':>7} {'file':>8} {'time':>8} {'per row':>9} {'peak RSS':>9}")
    for rows in (int(n) for n in options.rows.split(",")):
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(rows)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DEBUG": "0", "SECRET_KEY": "benchmark-only-secret-key-" * 2},
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{result['rows']:>7} {result['file_mb']:>6.2f}MB {result['seconds']:>7.1f}s "
            f"{result['ms_per_row']:>7.1f}ms {result['peak_rss_mb']:>7.1f}MB"
        )


if __name__ == "__main__":
    main()
