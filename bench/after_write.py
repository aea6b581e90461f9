"""The catalogue's first request after a write, as production serves it (issue 21).

    .venv/bin/python -m bench.after_write --database bench_1m --app bench_app --rounds 5

In-process with the Django test client (DEBUG=0), connected as the application role (row-level
security enforced), with Redis as the cache and a real Celery worker (started here, on a queue
and a cache prefix of its own, stopped at the end). First the catalogue is asked with nothing
counted yet (the counts are made in the request). Then, each round: an editor of the largest
organization reconfirms one of its published projects through the workflow (a public write:
every catalogue's counts key moves), the catalogue is asked (the first request after the write),
and asked again until the worker has stored the new counts, and once more, warm. Prints each
figure's median and min-max over the rounds, in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
NOTE = "The counts were made at"


def _environment(args, queue: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgres://{args.app}@{args.server}/{args.database}",
        "REDIS_URL": args.redis,
        "CELERY_QUEUE": queue,
        "CACHE_KEY_PREFIX": queue,
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }


def _start_worker(environment: dict, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("celery")),
        *("-A", "registry", "worker", "--pool=solo", "--without-gossip", "--without-mingle"),
        *("-Q", environment["CELERY_QUEUE"], "-l", "info"),
    ]
    worker = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **environment}, stdout=log.open("wb"), stderr=-2
    )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise SystemExit(f"the worker did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return worker


def _timed(client, path: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code}")
    return elapsed, response.content.decode()


def _summary(name: str, values: list[float]) -> str:
    return (
        f"{name:50} median {statistics.median(values):8.1f} ms"
        f"  min {min(values):8.1f}  max {max(values):8.1f}  (n={len(values)})"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_1m")
    parser.add_argument("--app", default="bench_app", help="the application role")
    parser.add_argument("--server", default="127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--organization", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", default="/projects/")
    args = parser.parse_args(argv)
    queue = f"bench-after-write-{uuid.uuid4().hex[:8]}"
    environment = _environment(args, queue)
    os.environ.update(environment)
    log = ROOT / "bench" / "results" / "after_write_worker.log"
    log.parent.mkdir(exist_ok=True)
    worker = _start_worker(environment, log)
    try:
        django.setup()
        return _measure(args)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _measure(args) -> int:
    from django.test import Client

    from accounts.models import Membership
    from projects.domain import workflow
    from projects.models import Project
    from registry import rls
    from registry.tenancy import Actor

    with rls.system_context("bench: the largest organization's editor and projects"):
        editor = (
            Membership.objects.unscoped("bench")
            .filter(organization_id=args.organization, role="editor")
            .select_related("user")
            .first()
            .user
        )
        actor = Actor.for_user(editor)
        projects = list(
            Project.objects.unscoped("bench")
            .filter(organization_id=args.organization, workflow_state="published")
            .order_by("confirmed_at")
            .values_list("identifier", flat=True)[: args.rounds]
        )
    client = Client()
    cold, _ = _timed(client, args.path)
    print(_summary("nothing counted yet (counted in the request)", [cold]))
    first, until_current, warm = [], [], []
    for identifier in projects:
        with rls.acting(rls.for_actor(actor)):
            workflow.perform(actor, Project, identifier, "reconfirm")
        written = time.perf_counter()
        elapsed, html = _timed(client, args.path)
        first.append(elapsed)
        if NOTE not in html:
            print(f"  {identifier}: the first request counted in the request ({elapsed:.0f} ms)")
        while NOTE in html:
            time.sleep(0.1)
            _, html = _timed(client, args.path)
        until_current.append((time.perf_counter() - written) * 1000)
        warm.append(_timed(client, args.path)[0])
    print(_summary("first request after a write", first))
    print(_summary("write to counts current (the worker's recount)", until_current))
    print(_summary("warm, after the recount", warm))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
