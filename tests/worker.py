"""A real Celery worker for the tests that need one (marker `worker`, pyproject.toml).

`celery -A registry worker` runs as a subprocess against the test database and a Redis database
of its own (TEST_REDIS_URL, default redis://127.0.0.1:6379/5), on a queue named for this test
process, so that parallel runs never take each other's jobs. The tests that use it are
transactional (their rows must be committed for the worker to see them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from registry.celery import app as celery_app
from registry.models import Job

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
READY_SECONDS = 60


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class Worker:
    def __init__(self, tmp: Path):
        self.queue = f"registry-test-{uuid.uuid4().hex[:12]}"
        # Its keys in the shared cache, apart from every other run's (tests share one Redis).
        self.cache_prefix = self.queue
        self.files = tmp / "jobs"
        self.log = tmp / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "registry.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_QUEUE": self.queue,
            "CACHE_KEY_PREFIX": self.cache_prefix,
            "JOB_FILES_ROOT": str(self.files),
            "WEBHOOK_ALLOW_PRIVATE": "1",
        }
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "registry",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            self.queue,
            "-l",
            "info",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker stopped:\n{self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the worker did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait_for(self, job_id: int, timeout: float = 120) -> Job:
        """The job once it has finished (succeeded or failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = Job.objects.get(pk=job_id)
            if job.finished:
                return job
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker died:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish:\n{self.log.read_text()[-3000:]}")


def _reset_broker() -> None:
    """Forget the broker connections and queues the app made before (in-process tests build
    them for the default broker): the next message goes to the broker and queue now set."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture(scope="session")
def _worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """One worker process for the session (starting one costs seconds); the app in this
    process sends to its broker and queue from the first test that uses it to the end."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the real worker runs against PostgreSQL")
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    worker = Worker(tmp_path_factory.mktemp("worker"))
    with django_db_blocker.unblock():
        worker.start()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_default_queue")}
    celery_app.conf.update(broker_url=REDIS_URL, task_default_queue=worker.queue)
    _reset_broker()
    try:
        yield worker
    finally:
        worker.stop()
        celery_app.conf.update(saved)
        _reset_broker()


@pytest.fixture
def celery_worker_process(_worker_process):
    """The session's worker, for this test only: jobs go to it instead of running in-process
    (every other test keeps running them in-process, as without REDIS_URL)."""
    worker = _worker_process
    saved = (celery_app.conf.task_always_eager, settings.CELERY_TASK_ALWAYS_EAGER)
    saved_files = settings.JOB_FILES_ROOT
    celery_app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_FILES_ROOT = worker.files
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager, settings.CELERY_TASK_ALWAYS_EAGER = saved
        settings.JOB_FILES_ROOT = saved_files
