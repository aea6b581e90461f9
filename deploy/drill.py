"""A bounded fault drill on the topology of deploy/topology.py (issue 19).

    python deploy/drill.py [--seconds 150] [--threads 6] [--report FILE]

It starts the topology if it is not running, then drives a mixed load through nginx with the
API and two keys (one writes, the other only reads, so that its reads go to the replica) while
it injects, one after the other:

    1. kill -9 one app server (master and workers)  -> nginx routes around it; restarted later
    2. restart the PostgreSQL primary (pg_ctl restart -m fast) -> the app reconnects by itself
    3. stop the replica                              -> reads fall back to the primary; restarted
    4. (only where registry/celery.py exists) kill the worker in the middle of an import job and
       of a webhook delivery -> each completes once after the worker is back

Every write the API acknowledged (201 with an identifier) is recorded with a unique token; at
the end each must be on the primary exactly once, and on the replica once it caught up. A read
that follows its own write (read-your-writes) must find it. Every error is classified by kind
and by whether it happened while a fault was in progress (from its injection until the first
success after it); the report gives requests, errors and recovery times, as Markdown.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import http.server
import io
import json
import random
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import topology  # noqa: E402  (deploy/ is a folder of scripts, not a package)

HOST, PORT = "127.0.0.1", topology.PORTS.nginx
READ_PATHS = ("/api/v1/projects/?page_size=20", "/api/v1/zones/", "/api/v1/projects/?country=KZ")


@dataclass
class Outcome:
    at: float
    kind: str  # read, write, read-own-write
    result: str  # ok, or the error's kind
    seconds: float


@dataclass
class Fault:
    name: str
    at: float
    ended_at: float | None = None  # when the injector finished (restart done, ...)
    recovered_at: float | None = None
    notes: dict = field(default_factory=dict)


class Load:
    """Threads sending requests through nginx until told to stop."""

    def __init__(self, threads: int, writer_key: str, reader_key: str):
        self.threads = threads
        self.writer, self.reader = writer_key, reader_key
        self.outcomes: list[Outcome] = []
        self.acknowledged: dict[str, str] = {}  # token -> identifier
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started = time.time()
        # This run's writes, told apart from earlier runs' in the same database.
        self.run_id = uuid.uuid4().hex[:6]

    def request(self, method: str, path: str, key: str, body: dict | None = None):
        connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def record(self, kind: str, result: str, began: float) -> None:
        with self.lock:
            self.outcomes.append(Outcome(began - self.started, kind, result, time.time() - began))

    def one(self, kind: str, method: str, path: str, key: str, body=None, expect=200):
        began = time.time()
        try:
            status, content = self.request(method, path, key, body)
        except TimeoutError:
            self.record(kind, "timeout", began)
            return None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self.record(kind, f"connection: {type(exc).__name__}", began)
            return None
        if status != expect:
            self.record(kind, f"HTTP {status}", began)
            return None
        self.record(kind, "ok", began)
        return content

    def write(self) -> None:
        token = uuid.uuid4().hex[:12]
        body = {
            "title": {"en": f"drill {self.run_id} {token}"},
            "summary": {"en": "Written by deploy/drill.py"},
            "category": "tourism_train",
            "lifecycle_status": "implementation",
            "countries": ["KZ"],
        }
        content = self.one("write", "POST", "/api/v1/projects/", self.writer, body, expect=201)
        if content is None:
            return
        identifier = json.loads(content)["identifier"]
        with self.lock:
            self.acknowledged[token] = identifier
        # Read-your-writes: the writer's next read finds what it wrote, whichever server answers.
        self.one("read-own-write", "GET", f"/api/v1/projects/{identifier}/", self.writer)

    def read(self) -> None:
        self.one("read", "GET", random.choice(READ_PATHS), self.reader)

    def worker(self) -> None:
        while not self.stop.is_set():
            if random.random() < 0.3:
                self.write()
            else:
                self.read()
            time.sleep(0.02)

    def run(self) -> list[threading.Thread]:
        started = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.threads)]
        for thread in started:
            thread.start()
        return started


# --- The faults ---------------------------------------------------------------------------------


def kill_app_server(fault: Fault, pause: float) -> None:
    topology.kill_app(1)
    time.sleep(pause)
    began = time.time()
    topology.start_app(1)
    fault.notes["app server back after (s)"] = round(time.time() - began, 1)


def restart_primary(fault: Fault, pause: float) -> None:
    began = time.time()
    topology.pg_ctl("primary", "restart", "-m", "fast")
    fault.notes["pg_ctl restart took (s)"] = round(time.time() - began, 1)


def stop_replica(fault: Fault, pause: float) -> None:
    topology.pg_ctl("replica", "stop", "-m", "fast")
    time.sleep(pause)
    fault.notes["/readyz meanwhile"] = readyz_replica()
    began = time.time()
    topology.pg_ctl("replica", "start")
    deadline = time.time() + 30
    while readyz_replica() != "ok, lag 0.0 s" and time.time() < deadline:
        time.sleep(0.2)
    fault.notes["replica streaming again after (s)"] = round(time.time() - began, 1)


def readyz_replica() -> str:
    try:
        connection = http.client.HTTPConnection(HOST, PORT, timeout=5)
        connection.request("GET", "/readyz")
        state = json.loads(connection.getresponse().read())["replicas"]["replica1"]
        connection.close()
    except (OSError, ValueError, KeyError) as exc:
        return f"unreadable: {exc}"
    if state["status"] != "ok":
        return f"replica {state['status']}"
    return f"ok, lag {state['lag_seconds']} s"


def worker_jobs(fault: Fault, pause: float) -> None:
    """Kill the worker during an import job and during a webhook delivery (issue 19's jobs).

    Written against the issue's API: `POST /api/v1/projects/import/` answers 202 with the job's
    Location; `POST /api/v1/webhooks/` subscribes a receiver here that is slow on purpose.
    """
    fault.notes.update(import_job(topology.api_key()))
    fault.notes.update(webhook_delivery(topology.admin_api_key()))


def _multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            f"\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _api(method: str, path: str, key: str, body: bytes | None = None, content_type=None):
    connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    location = response.getheader("Location")
    connection.close()
    return response.status, payload, location


def _wait_job(path: str, key: str, until, seconds: float = 300) -> dict:
    deadline = time.time() + seconds
    job: dict = {}
    while time.time() < deadline:
        status, payload, _ = _api("GET", path, key)
        if status == 200:
            job = json.loads(payload)
            if until(job):
                return job
        time.sleep(0.2)
    return job


def import_job(key: str, rows: int = 20000) -> dict:
    """A file well above IMPORT_JOB_THRESHOLD_BYTES (256 KB), so that it is imported by a job."""
    batch = f"imp{uuid.uuid4().hex[:6]}"
    out = io.StringIO()
    table = csv.writer(out)
    table.writerow(["ref", "title.en", "summary.en", "category", "lifecycle_status", "countries"])
    for number in range(rows):
        table.writerow(
            [
                f"{batch}-{number}",
                f"import {batch} {number}",
                "drill import of a tourist train on the Silk Road",
                "tourism_train",
                "implementation",
                "KZ",
            ]
        )
    body, content_type = _multipart("drill.csv", out.getvalue().encode())
    status, payload, location = _api("POST", "/api/v1/projects/import/", key, body, content_type)
    if status != 202 or not location:
        return {"import job": f"not started: HTTP {status} {payload[:200]!r}"}
    path = location.replace(f"http://{HOST}:{PORT}", "").replace("http://127.0.0.1", "")
    _wait_job(path, key, lambda job: job.get("state") == "running")
    topology.kill_celery("worker")
    time.sleep(2)
    topology.start_celery("worker")
    job = _wait_job(path, key, lambda job: job.get("state") in ("succeeded", "failed"))
    present = int(
        topology.psql(
            f"SELECT count(*) FROM projects_project WHERE identifier ILIKE 'KZ-DRL-{batch}-%'",
            database=topology.DATABASE,
        )
    )
    return {
        "import job state after a worker kill": job.get("state"),
        "import rows present (expected once each)": f"{present} of {rows}",
    }


class _Receiver(http.server.BaseHTTPRequestHandler):
    deliveries: list[tuple[str, float]] = []
    armed = threading.Event()  # the next delivery is answered slowly
    slow_first = threading.Event()

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        event = self.headers.get("X-Registry-Event-Id") or self.headers.get("X-Registry-Event")
        if self.armed.is_set() and not self.slow_first.is_set():
            self.slow_first.set()
            time.sleep(5)  # the worker is killed while it waits for this answer
        _Receiver.deliveries.append((event or "?", time.time()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def webhook_delivery(key: str) -> dict:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = {
        "url": f"http://127.0.0.1:{server.server_port}/hook",
        "events": ["published", "updated", "archived"],
        "record_types": ["projects"],
    }
    status, payload, _ = _api(
        "POST", "/api/v1/webhooks/", key, json.dumps(hook).encode(), "application/json"
    )
    if status != 201:
        server.shutdown()
        return {"webhook": f"not subscribed: HTTP {status} {payload[:200]!r}"}
    # A public change: the admin archives a project published for the purpose (its publication
    # is delivered first, at once); the archive's delivery is the one answered slowly.
    identifier = topology.published_project()
    deadline = time.time() + 60
    while not _Receiver.deliveries and time.time() < deadline:
        time.sleep(0.2)
    _Receiver.armed.set()
    status, payload, _ = _api(
        "POST",
        f"/api/v1/projects/{identifier}/archive/",
        key,
        json.dumps({"comment": "Archived by the drill: a webhook event"}).encode(),
        "application/json",
    )
    if status != 200 or not _Receiver.slow_first.wait(60):
        server.shutdown()
        return {"webhook": f"no delivery began: archive answered HTTP {status} {payload[:200]!r}"}
    topology.kill_celery("worker")
    time.sleep(2)
    topology.start_celery("worker")
    time.sleep(45)  # Redis hands the killed worker's message on (the topology's 20 s)
    server.shutdown()
    events = Counter(event for event, _ in _Receiver.deliveries)
    return {
        "webhook deliveries answered": sum(events.values()),
        "webhook events answered more than once (the receiver dedupes by id)": sum(
            1 for n in events.values() if n > 1
        ),
    }


# --- The report --------------------------------------------------------------------------------


def recovery(fault: Fault, outcomes: list[Outcome], until: float) -> None:
    """The fault lasts from its injection to the first success after its last error."""
    errors = [o for o in outcomes if fault.at <= o.at + o.seconds < until and o.result != "ok"]
    if not errors:
        fault.recovered_at = fault.at
        return
    last = max(o.at + o.seconds for o in errors)
    after = [o.at + o.seconds for o in outcomes if o.at >= last and o.result == "ok"]
    fault.recovered_at = min(after) if after else None


def check_writes(load: Load) -> dict:
    """Every acknowledged write is on the primary once (and on the replica after catch-up)."""
    tokens = list(load.acknowledged)
    found: dict[str, Counter] = {}
    for name, port in (("primary", topology.PORTS.primary), ("replica", topology.PORTS.replica)):
        if name == "replica":
            time.sleep(2)
        rows = topology.psql(
            "SELECT title->>'en' FROM projects_project "
            f"WHERE title->>'en' LIKE 'drill {load.run_id} %'",
            port=port,
            database=topology.DATABASE,
        ).splitlines()
        found[name] = Counter(row.removeprefix(f"drill {load.run_id} ") for row in rows)
    return {
        "acknowledged writes": len(tokens),
        "missing on the primary": sum(1 for t in tokens if found["primary"][t] == 0),
        "written twice on the primary": sum(1 for t in tokens if found["primary"][t] > 1),
        "missing on the replica": sum(1 for t in tokens if found["replica"][t] == 0),
        "unacknowledged writes that were applied (in flight at a fault)": sum(
            1 for t in found["primary"] if t not in load.acknowledged
        ),
    }


def report(load: Load, faults: list[Fault], writes: dict, seconds: float, command: str) -> str:
    outcomes = load.outcomes
    by_kind = Counter(o.kind for o in outcomes)
    errors = [o for o in outcomes if o.result != "ok"]

    def during_fault(o: Outcome) -> str | None:
        """The fault a request ended during (requests in flight at its injection included)."""
        for f in faults:
            end = f.recovered_at if f.recovered_at is not None else seconds
            if f.at <= o.at + o.seconds <= end + 0.5:
                return f.name
        return None

    def served_meanwhile(f: Fault) -> str:
        window = [o for o in outcomes if f.at <= o.at <= (f.ended_at or seconds)]
        reads = [o for o in window if o.kind == "read"]
        ok = sum(1 for o in reads if o.result == "ok")
        return f"{len(window)} requests during the fault, {ok} of {len(reads)} reads ok"

    lines = [
        f"Command: `{command}`",
        "",
        f"Duration {seconds:.0f} s, {len(outcomes)} requests "
        f"({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))}), "
        f"{len(errors)} errors ({100 * len(errors) / max(1, len(outcomes)):.2f} %), "
        f"{len(outcomes) / seconds:.1f} requests/s.",
        "",
        "| fault | injected at (s) | errors while it lasted | recovered after (s) | notes |",
        "|---|---|---|---|---|",
    ]
    for f in faults:
        mine = [o for o in errors if during_fault(o) == f.name]
        kinds = Counter(f"{o.kind} {o.result}" for o in mine)
        took = "not recovered" if f.recovered_at is None else f"{f.recovered_at - f.at:.1f}"
        notes = "; ".join([served_meanwhile(f), *(f"{k}: {v}" for k, v in f.notes.items())])
        detail = ", ".join(f"{n} {k}" for k, n in kinds.most_common()) or "none"
        lines.append(f"| {f.name} | {f.at:.0f} | {detail} | {took} | {notes} |")
    outside = [o for o in errors if during_fault(o) is None]
    lines += [
        "",
        f"Errors outside any fault: {len(outside)}"
        + (f" ({dict(Counter(f'{o.kind} {o.result}' for o in outside))})" if outside else ""),
        "",
        "| check of the written data | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in writes.items()],
        "",
        "Latency (s), ok requests: "
        + ", ".join(
            f"{kind} p50 {pct(kind, outcomes, 50):.3f} p99 {pct(kind, outcomes, 99):.3f}"
            for kind in sorted(by_kind)
        ),
    ]
    return "\n".join(lines)


def pct(kind: str, outcomes: list[Outcome], p: int) -> float:
    values = sorted(o.seconds for o in outcomes if o.kind == kind and o.result == "ok")
    return values[min(len(values) - 1, len(values) * p // 100)] if values else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=150)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--report", default=str(topology.STATE / "drill-report.md"))
    options = parser.parse_args(argv)
    command = "python deploy/drill.py " + " ".join(argv if argv is not None else sys.argv[1:])
    topology.up()
    load = Load(options.threads, topology.api_key(), topology.api_key("read"))
    threads = load.run()
    step = options.seconds / (5 if topology.has_celery() else 4)
    plan = [
        ("kill -9 app server 1", kill_app_server),
        ("restart the primary", restart_primary),
        ("stop the replica", stop_replica),
    ]
    if topology.has_celery():
        plan.append(("kill the worker during an import and a webhook delivery", worker_jobs))
    faults = []
    for number, (name, inject) in enumerate(plan, 1):
        time.sleep(max(0.0, step * number - (time.time() - load.started)))
        fault = Fault(name, time.time() - load.started)
        topology.log(f"fault: {name}")
        inject(fault, step / 2)
        fault.ended_at = time.time() - load.started
        faults.append(fault)
    time.sleep(max(0.0, options.seconds - (time.time() - load.started)))
    load.stop.set()
    for thread in threads:
        thread.join(60)
    seconds = time.time() - load.started
    for fault, following in zip(faults, [*faults[1:], None], strict=True):
        recovery(fault, load.outcomes, following.at if following else seconds)
    text = report(load, faults, check_writes(load), seconds, command)
    Path(options.report).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
