"""Benchmark (not a test): an import job's throughput, rows per second (issue 19).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench \
        .venv/bin/python bench/import_jobs.py [--rows 1000,5000] [--type contacts] [--commit]

For each row count a file of that many records is kept as an upload and imported by an import
job, run by the same code a worker runs (`registry.jobs.run_job`: claim, the importer with
every check of `projects.domain.services`, new rows in batches through `projects.domain.bulk`,
the job's result), in this process
(`CELERY_TASK_ALWAYS_EAGER=1`) so that the figure is the work and not the queue. A dry run by
default (every row validated and written, then rolled back); `--commit` keeps the rows (in a
fresh organization each time). Prints rows, seconds, rows/s and the job's state.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()


def measure(rows: int, record_type: str, commit: bool) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.domain import services
    from accounts.models import Membership, User
    from projects.io import jobs as io_jobs
    from registry import rls
    from registry.models import Job
    from registry.tenancy import Actor
    from tests.projects.io.conftest import file_of

    tag = uuid.uuid4().hex[:6].upper()
    with rls.system_context("benchmark setup"):
        organization = services.create_organization(
            f"bench-jobs-{tag.lower()}", "Import job benchmark", "local_government", "CN",
            f"BJ{tag}",
        )  # fmt: skip
        user, _ = User.objects.get_or_create(username="bench-jobs-user")
        Membership.objects.unscoped("benchmark setup").get_or_create(
            organization=organization, user=user, defaults={"role": "editor"}
        )
    data = file_of("csv", record_type, rows)
    actor = Actor.for_user(user)
    start = time.perf_counter()
    # In-process (CELERY_TASK_ALWAYS_EAGER): the job runs as this transaction commits.
    with rls.acting(rls.for_actor(actor)):
        job = io_jobs.start_import(
            actor, organization, record_type, SimpleUploadedFile("bench.csv", data),
            dry_run=not commit,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    with rls.system_context("the benchmark reads its job"):
        finished = Job.objects.get(pk=job.pk)
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "state": finished.state,
        "created": (finished.result or {}).get("created"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000,5000")
    parser.add_argument("--type", default="contacts", choices=["projects", "zones", "contacts"])
    parser.add_argument("--commit", action="store_true")
    options = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"{'type':>9} {'rows':>7} {'time':>9} {'rows/s':>8}  state")
    for rows in (int(n) for n in options.rows.split(",")):
        result = measure(rows, options.type, options.commit)
        print(
            f"{options.type:>9} {result['rows']:>7} {result['seconds']:>8.1f}s "
            f"{result['rows_per_second']:>8.0f}  {result['state']} (created {result['created']})"
        )


if __name__ == "__main__":
    main()
