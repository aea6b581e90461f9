"""The benchmark runner (issue 11): three apps, one production server, one run.

    make bench SIZES=10k,100k                 # or: .venv/bin/python -m bench.run --sizes 10k
    .venv/bin/python -m bench.run --sizes 1m --rounds 3 --cases list50,list500,deep,search

For each data size it makes sure the database `bench_<size>` holds the generated data (running
bench/generate.py when it does not) and is migrated, then serves three apps under the same
gunicorn configuration (deploy/gunicorn.conf.py, DEBUG=0):

    ours  registry.wsgi with registry.settings, as production serves it: connected as the
          application's role (`setup_database_roles`, row-level security) with Redis as the
          cache (--as-superuser: as the superuser without Redis, the earlier column)
    B1    registry.wsgi with bench.b1_naive.settings (superuser)
    B0    bench.b0_raw (psycopg + orjson, no Django; superuser)

each on a port the kernel picks, stopped when the run ends, also when it fails; and it loads
them from a separate process, wrk on loopback, for a bounded time per measurement.
The apps are measured in one run, interleaved: each round runs every case on every app (the
apps' order rotating from case to case), so a noisy neighbour slows all three alike. The
medians over the rounds are reported, and every ratio (ours ÷ B0, ours ÷ B1, signed-in ÷
anonymous, 1M ÷ 10k) is taken in each round, from that round's figures, and reported as its
median with its min–max over the rounds; the targets' verdicts go by the median. For ours each
round also times --lone-requests requests sent one after the other (the lone p50: one caller's
latency, without the queueing behind wrk's concurrent connections); the absolute p50 targets
(the dashboard, the searches) are judged both ways.

Signed-in cases (issue 21) are ours only: a session and a read API key of an editor of the
organization with the most projects, made once per size before measuring by bench/callers.py
(a new key per run, the earlier "bench" keys revoked) and checked to be signed in on the served
app (the keys list answers 200, the organization's unpublished records are seen).

Queries per request are counted in-process with Django's CaptureQueriesContext through the test
client (bench/queries.py), with the case's headers (the session cookie, the key), and, for B0,
by B0 itself (X-Query-Count). The CSV export is timed as one whole download per
round (curl), while the serving worker's resident memory is sampled every 20 ms.

Results: a Markdown table on stdout and in bench/results/latest.md (with the machine's load
average before and after the run), raw figures in bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib import parse

from bench.b0_raw import encode_cursor, feed_cursor, unsigned
from bench.generate import SERVER_URL, SIZES, database_comment, database_state

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results"
APPS = ("ours", "B0", "B1")
# Ours is served as production serves it (issue 21): connected as the application's database
# role, under row-level security, with Redis as the cache; --as-superuser gives the old column.
APP_ROLE = "bench_app"
OWNER_ROLE = "bench_owner"
REDIS_URL = "redis://127.0.0.1:6379/12"
# What every request carries: the TLS proxy's header (DEBUG=0 redirects plain http) and one
# Host for all three apps, so that the URLs inside the answers are the same.
HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    # The runner plays the TLS proxy: it sends X-Forwarded-Proto: https, trusted as in production.
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    # The anonymous rate limit would answer the load generator 429; lift it for the benchmark.
    "API_THROTTLE_ANON": "100000000/minute",
    "API_THROTTLE_USER": "100000000/minute",
    "API_THROTTLE_KEY": "100000000/minute",
    "GUNICORN_MAX_REQUESTS": "0",
    "GUNICORN_TIMEOUT": "900",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_LOG_LEVEL": "warning",
}
CASES = (
    "list50",
    "list50_session",
    "list50_key",
    "list500",
    "filtered",
    "deep",
    "search",
    "search_rare",
    "search_none",
    "search_identifier",
    "detail",
    "not_modified",
    "changes",
    "changes_deep",
    "export",
    "html",
    "html_session",
    "dashboard",
)
CASE_TITLES = {
    "list50": "first list page of 50",
    "list50_session": "first list page of 50, signed in (session of the largest org's editor)",
    "list50_key": "first list page of 50, with an API key (read) of the largest org's editor",
    "list500": "first list page of 500",
    "filtered": "filtered page (country, category, lifecycle_status)",
    "deep": "deep cursor page (90% through), 50 rows",
    "search": "search q=train",
    "search_rare": "search for a rare word (a project's number in its title: a handful of matches)",
    "search_none": "search q=zzzz (no match)",
    "search_identifier": "search for an identifier fragment (COUNTRY-CITY, e.g. KZ-ASTAN)",
    "detail": "a project's detail",
    "not_modified": "list page of 50 answered 304 (If-None-Match)",
    "changes": "changes/ feed, first page of 50",
    "changes_deep": "changes/ feed, 50 events after a cursor 90% through",
    "export": "whole-set CSV export (B0: COPY ... TO STDOUT)",
    "html": "HTML catalogue page /projects/",
    "html_session": "HTML catalogue page /projects/, signed in (the editor's session)",
    "dashboard": "/dashboard/ of the largest organization's editor (session)",
}
# The signed-in cases (ours only): which credential each sends, and its anonymous counterpart.
SIGNED_IN = {
    "list50_session": "session",
    "list50_key": "key",
    "html_session": "session",
    "dashboard": "session",
}
UNPUBLISHED = ("draft", "submitted")
ANONYMOUS_OF = {"list50_session": "list50", "list50_key": "list50", "html_session": "html"}
FILTER = "country=KZ&category=tourism_train&lifecycle_status=implementation"


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- Tools ------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk from Debian; installed on first use (the machine's package manager, as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: apt-get install -y wrk")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk")


def run_env(url: str, **extra) -> dict:
    return {**os.environ, **ENV, "DATABASE_URL": url, "BENCH_DATABASE_URL": url, **extra}


def manage(url: str, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=run_env(url), check=True, capture_output=True
    )


def ensure_database(size: str, server: str) -> str:
    """The database of this size, generated if missing, migrated to the current code."""
    name = f"bench_{size}"
    url = f"{server}/{name}"
    if database_state(url) != database_comment(SIZES[size]):
        log(f"{name}: generating {SIZES[size]} projects (bench/generate.py)")
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "-m", "bench.generate", "--size", size, "--server", server],
            cwd=ROOT,
            check=True,
        )
        log(f"{name}: generated in {time.perf_counter() - started:.0f} s")
    manage(url, "migrate", "--no-input")
    return url


# --- Servers ----------------------------------------------------------------------------------


@dataclass
class Server:
    app: str
    process: subprocess.Popen
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def unwind_on_sigterm() -> None:
    """`kill` (SIGTERM) unwinds the runner as Ctrl-C does, so that the `finally` stopping its
    servers runs; by default SIGTERM ends Python at once and leaves gunicorn serving."""

    def raise_exit(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, raise_exit)


def free_port() -> int:
    """A free port (the kernel's choice), so that a taken port never stops a run."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_role(url: str) -> str:
    """`url` connected as the application's role: the roles made (idempotent) and the search
    functions handed to the search role, as `setup_database_roles` does in production."""
    manage(url, "setup_database_roles", "--owner", OWNER_ROLE, "--app", APP_ROLE)
    parts = parse.urlsplit(url)
    return parse.urlunsplit(parts._replace(netloc=f"{APP_ROLE}@{parts.hostname}:{parts.port}"))


def start_server(app: str, url: str, workers: int, production: bool = True) -> Server:
    port = free_port()
    target = "bench.b0_raw:application" if app == "B0" else "registry.wsgi:application"
    settings = "bench.b1_naive.settings" if app == "B1" else "registry.settings"
    extra = {}
    if app == "ours" and production:
        extra = {"DATABASE_URL": production_role(url), "REDIS_URL": REDIS_URL}
    env = run_env(
        url,
        DJANGO_SETTINGS_MODULE=settings,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        **extra,
    )
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(RESULTS / f"{app}.log", "ab"),  # noqa: SIM115  (closed with the process)
    )
    server = Server(app, process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{app} exited; see {RESULTS / (app + '.log')}")
        try:
            fetch(server, "/api/v1/changes/?page_size=1")
            if len(server.worker_pids()) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{app} did not start on port {port}")


def fetch(server: Server, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(server.base + path, headers={**HEADERS, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- Cases ------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    paths: dict[str, str]  # app -> path; an app without one has no such case
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


def list_cursor(identifier: str) -> str:
    """A cursor as our pagination signs it (registry.api.cursors), with the servers' key."""
    return encode_cursor(identifier)


def landmarks(url: str) -> dict:
    """Rows the cases point at: the 90% position, a detail, the whole-set count, and the search
    terms taken from the median public project, so that they exist at every size.

    Identifiers read `{COUNTRY}-{CITY}{n}-P{id:07d}` (bench/generate.py) and a title ends with the
    project's number: the rare word is that number (its title, and the few identifiers or titles
    that contain it as a substring: a handful of matches), the identifier fragment is the
    organization prefix without its number (`KZ-ASTAN`: every organization of that city).
    """
    import psycopg

    with psycopg.connect(url) as conn:
        public = "workflow_state IN ('published', 'archived')"
        total = conn.execute(f"SELECT count(*) FROM projects_project WHERE {public}").fetchone()[0]
        deep_offset = int(total * 0.9)

        def nth(offset: int) -> str:
            return conn.execute(
                f"SELECT identifier FROM projects_project WHERE {public} "
                "ORDER BY identifier OFFSET %s LIMIT 1",
                [offset],
            ).fetchone()[0]

        median_id, median_identifier = conn.execute(
            f"SELECT id, identifier FROM projects_project WHERE {public} "
            "ORDER BY identifier OFFSET %s LIMIT 1",
            [total // 2],
        ).fetchone()
        events = conn.execute(
            "SELECT count(*) FROM projects_auditentry WHERE action IN ('approve', 'archive')"
        ).fetchone()[0]
        events_offset = int(events * 0.9)
        since = conn.execute(
            "SELECT id FROM projects_auditentry WHERE action IN ('approve', 'archive') "
            "ORDER BY id OFFSET %s LIMIT 1",
            [events_offset - 1],
        ).fetchone()[0]
        return {
            "total": total,
            "events": events,
            "events_since": since,
            "events_page": events_offset // 50 + 1,
            "deep_after": nth(deep_offset - 1),
            "deep_page": deep_offset // 50 + 1,
            "detail": median_identifier,
            **search_terms(median_id, median_identifier),
        }


def search_terms(project_id: int, identifier: str) -> dict[str, str]:
    """A project's search terms: its number, a word of its title (the rare word), and its
    identifier's organization prefix without the organization's number (the fragment):
    `KZ-ASTAN3-P0094685` -> 94685, KZ-ASTAN."""
    return {
        "rare_word": str(project_id),
        "fragment": identifier.rsplit("-", 1)[0].rstrip("0123456789"),
    }


def caller_headers(callers: dict | None) -> dict[str, dict[str, str]]:
    """The request headers of each signed-in caller (bench/callers.py's answer)."""
    if not callers:
        return {}
    return {
        "session": {"Cookie": f"{callers['cookie_name']}={callers['session']}"},
        "key": {"Authorization": f"Bearer {callers['api_key']}"},
    }


def make_callers(url: str, production: bool = True) -> dict:
    """A session and an API key of the largest organization's editor (bench/callers.py), made
    with the servers' SECRET_KEY and, when ours is served with Redis, its session store."""
    extra = {"REDIS_URL": REDIS_URL} if production else {"REDIS_URL": ""}
    process = subprocess.run(
        [PYTHON, "-m", "bench.callers"],
        cwd=ROOT,
        env=run_env(url, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(process.stdout)


def build_cases(
    marks: dict, wanted: list[str], etag: str | None, callers: dict | None = None
) -> list[Case]:
    deep = f"/api/v1/projects/?cursor={parse.quote(list_cursor(marks['deep_after']))}"
    detail = f"/api/v1/projects/{marks['detail']}/"
    all_three = ("ours", "B0", "B1")
    paths = {
        "list50": dict.fromkeys(all_three, "/api/v1/projects/"),
        "list500": dict.fromkeys(all_three, "/api/v1/projects/?page_size=500"),
        "filtered": dict.fromkeys(all_three, f"/api/v1/projects/?{FILTER}"),
        "deep": {"ours": deep, "B0": deep, "B1": f"/api/v1/projects/?page={marks['deep_page']}"},
        "search": dict.fromkeys(all_three, "/api/v1/projects/?q=train"),
        "search_rare": dict.fromkeys(all_three, f"/api/v1/projects/?q={marks['rare_word']}"),
        "search_none": dict.fromkeys(all_three, "/api/v1/projects/?q=zzzz"),
        "search_identifier": dict.fromkeys(
            all_three, f"/api/v1/projects/?q={parse.quote(marks['fragment'])}"
        ),
        "detail": dict.fromkeys(all_three, detail),
        "not_modified": {"ours": "/api/v1/projects/"},
        "changes": dict.fromkeys(all_three, "/api/v1/changes/"),
        "changes_deep": {
            "ours": f"/api/v1/changes/?since={parse.quote(feed_cursor(marks['events_since']))}",
            "B0": f"/api/v1/changes/?since={parse.quote(feed_cursor(marks['events_since']))}",
            "B1": f"/api/v1/changes/?page={marks['events_page']}",
        },
        "export": dict.fromkeys(("ours", "B0"), "/api/v1/projects/export.csv"),
        "html": {"ours": "/projects/"},
        "list50_session": {"ours": "/api/v1/projects/"},
        "list50_key": {"ours": "/api/v1/projects/"},
        "html_session": {"ours": "/projects/"},
        "dashboard": {"ours": "/dashboard/"},
    }
    credentials = caller_headers(callers)
    cases = []
    for name in wanted:
        case = Case(name, paths[name])
        if name == "not_modified":
            case.headers = {"If-None-Match": etag or '"none"'}
            case.expect = 304
        if name in SIGNED_IN:
            case.headers = dict(credentials.get(SIGNED_IN[name], {}))
        cases.append(case)
    return cases


def check_signed_in(server: Server, callers: dict) -> dict[str, str]:
    """Are the session and the key really signed in on the served app? Per credential: the
    caller's keys list (anonymous: 401/403) and how many of the organization's unpublished
    records (draft, submitted) the caller sees (anonymous: none); and the dashboard's answer."""

    def unpublished(headers: dict) -> int | str:
        seen = 0
        for state in UNPUBLISHED:
            path = f"/api/v1/projects/?workflow_state={state}&page_size=500"
            status, _, body = fetch(server, path, headers)
            if status != 200:
                return f"status {status}"
            seen += len(json.loads(body)["results"])
        return seen

    anonymous = unpublished({})
    verdicts = {}
    for credential, headers in caller_headers(callers).items():
        status, _, _ = fetch(server, "/api/v1/api-keys/", headers)
        verdicts[credential] = (
            f"{callers['user']}: api-keys/ answered {status}; unpublished projects seen "
            f"(draft, submitted; first page of 500 each): {unpublished(headers)} "
            f"(anonymous: {anonymous})"
        )
    status, headers, _ = fetch(server, "/dashboard/", caller_headers(callers)["session"])
    verdicts["dashboard"] = f"/dashboard/ answered {status} {headers.get('Location', '')}".strip()
    return verdicts


def wrk(tool: str, server: Server, case: Case, args, seconds: int) -> dict:
    """One measurement of `seconds` with wrk (a separate process, bounded in time)."""
    headers = {**HEADERS, **case.headers}
    command = [tool, "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "120s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(ROOT / "bench" / "report.lua"), server.base + case.paths[server.app]]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = [text for text in output.splitlines() if text.startswith("{")][-1]
    return json.loads(line)


def lone_p50(server: Server, case: Case, requests: int) -> float:
    """The median time of `requests` requests sent one after the other (ms): a lone caller's
    latency, without the queueing of wrk's concurrent connections."""
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        fetch(server, case.paths[server.app], case.headers)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def peak_rss_during(server: Server, action) -> tuple[object, int, int]:
    """Run `action` while sampling the workers' RSS; (result, peak kB, RSS before kB)."""

    def rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    pids = server.worker_pids()
    before = max((rss(pid) for pid in pids), default=0)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], max((rss(pid) for pid in pids), default=0))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = action()
    finally:
        done.set()
        sampler.join()
    return result, peak[0], before


def download(server: Server, path: str) -> dict:
    """One whole download by curl (a separate process): seconds, bytes, status."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}"]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, server.base + path], capture_output=True, text=True, check=True
    ).stdout
    status, seconds, size = output.split()
    return {"status": int(status), "seconds": float(seconds), "bytes": int(size)}


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total


def wait_until_idle(url: str, servers: dict, limit: float = 120.0) -> float:
    """Wait until no worker of any app burns CPU and the database runs no statement, at most
    `limit` seconds; return how long it took.

    When wrk's window ends it drops the requests still in flight, but the sync workers finish
    them: at 1M an abandoned B1 deep page or search runs 15 to 30 s, on the same 2 cores as the
    next measurement (of another app). Each measurement starts once they are done.
    """
    import psycopg

    started = time.monotonic()
    pids = [pid for server in servers.values() for pid in server.worker_pids()]
    with psycopg.connect(url, autocommit=True) as conn:
        quiet_polls = 0
        before = _cpu_ticks(pids)
        while time.monotonic() - started < limit and quiet_polls < 2:
            time.sleep(0.2)
            after = _cpu_ticks(pids)
            active = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            ).fetchone()[0]
            quiet = active == 0 and after - before <= 2
            quiet_polls = quiet_polls + 1 if quiet else 0
            before = after
    return time.monotonic() - started


def raw_copy_seconds(url: str) -> float:
    """PostgreSQL COPY ... TO STDOUT read by a client in this process, without HTTP."""
    import psycopg

    from bench.b0_raw import EXPORT

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(EXPORT) as copy:
            for _chunk in copy:
                pass
        return time.perf_counter() - started


def count_queries(url: str, cases: list[Case], servers: dict[str, Server]) -> dict:
    requests = []
    for case in cases:
        for app, path in case.paths.items():
            if app != "B0":
                requests.append(
                    {"key": f"{app} {case.name}", "app": app, "path": path, "headers": case.headers}
                )
    process = subprocess.run(
        [PYTHON, "-m", "bench.queries"],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=run_env(url),
        check=True,
    )
    counts = json.loads(process.stdout)
    for case in cases:
        if "B0" in case.paths:
            if case.name == "export":
                counts[f"B0 {case.name}"] = {"queries": 1, "status": 200}
                continue
            status, headers, _ = fetch(servers["B0"], case.paths["B0"], case.headers)
            counts[f"B0 {case.name}"] = {
                "queries": int(headers.get("X-Query-Count", 0)),
                "status": status,
            }
    return counts


def compare_json(servers: dict[str, Server], cases: list[Case]) -> dict[str, str]:
    """Does B0 answer the same JSON as ours? Per case: 'same' or the first difference."""
    verdicts = {}
    for case in cases:
        if "B0" not in case.paths or case.name in ("export",):
            continue
        _, _, ours = fetch(servers["ours"], case.paths["ours"], case.headers)
        _, _, b0 = fetch(servers["B0"], case.paths["B0"], case.headers)
        try:
            # Signed cursors carry the second they were made: compare what they point at.
            difference = first_difference(
                json.loads(unsigned(ours.decode())), json.loads(unsigned(b0.decode()))
            )
        except ValueError:
            difference = "not JSON"
        verdicts[case.name] = "same" if difference is None else difference
    return verdicts


def first_difference(a, b, where="") -> str | None:
    if type(a) is not type(b):
        return f"{where or '/'}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{where}/{key}: only in {'ours' if key in a else 'B0'}"
            found = first_difference(a[key], b[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{where}/{index}")
            if found:
                return found
        return None
    return None if a == b else f"{where}: {a!r} vs {b!r}"


# --- One size -----------------------------------------------------------------------------------


def measure_size(size: str, args, tool: str) -> dict:
    url = ensure_database(size, args.server)
    marks = landmarks(url)
    callers, signed_in = None, {}
    if set(args.cases) & set(SIGNED_IN):
        callers = make_callers(url, not args.as_superuser)
        log(
            f"bench_{size}: signed in as {callers['user']} (organization {callers['organization']}"
            f", {callers['organization_slug']}): a session and a read key"
        )
    log(f"bench_{size}: {marks['total']} public projects; starting ours, B0, B1")
    servers: dict[str, Server] = {}
    try:
        # Inside the try: a server that fails to start stops the ones started before it.
        for app in APPS:
            servers[app] = start_server(app, url, args.workers, not args.as_superuser)
        status, headers, _ = fetch(servers["ours"], "/api/v1/projects/")
        cases = build_cases(marks, args.cases, headers.get("ETag"), callers)
        if callers:
            signed_in = check_signed_in(servers["ours"], callers)
            for credential, verdict in signed_in.items():
                log(f"  {credential}: {verdict}")
        available = {}
        for case in cases:
            for app, path in case.paths.items():
                if case.name == "export":
                    status = download(servers[app], path)["status"]
                elif case.name == "not_modified":
                    _, headers, _ = fetch(servers[app], path)
                    case.headers = {"If-None-Match": headers.get("ETag", '"none"')}
                    status, _, _ = fetch(servers[app], path, case.headers)
                else:
                    status, _, _ = fetch(servers[app], path, case.headers)
                available[f"{app} {case.name}"] = status
        queries = count_queries(url, cases, servers)
        same_json = compare_json(servers, [c for c in cases if c.expect == 200])
        runnable = [
            (case, app)
            for case in cases
            for app in case.paths
            if available[f"{app} {case.name}"] == case.expect
        ]
        # Warm each app and case (plans, caches, imports), then time one lone request: a
        # measurement lasts long enough for about `min_requests` answers, at least `duration`
        # and at most `max_seconds`, so that a slow case still gets a sample on a busy machine.
        durations = {}
        for case, app in runnable:
            if case.name != "export":
                wrk(tool, servers[app], case, args, seconds=1)
                started = time.perf_counter()
                fetch(servers[app], case.paths[app], case.headers)
                lone = time.perf_counter() - started
                # Under load each answer takes about `connections` lone times, so about
                # min_requests answers need this long.
                needed = lone * (args.min_requests + args.connections)
                durations[f"{app} {case.name}"] = int(
                    min(args.max_seconds, max(args.duration, needed + 1))
                )
        runs: dict[str, list] = {}
        memory: dict[str, list] = {}
        for round_index in range(args.rounds):
            log(f"bench_{size}: round {round_index + 1} of {args.rounds}")
            for case_index, case in enumerate(cases):
                apps = [app for c, app in runnable if c is case]
                shift = (round_index + case_index) % max(len(apps), 1)
                for app in apps[shift:] + apps[:shift]:
                    key = f"{app} {case.name}"
                    waited = wait_until_idle(url, servers)
                    if waited > 2:
                        log(f"  waited {waited:.0f} s for abandoned requests before {key}")
                    if case.name == "export":
                        result, peak, before = peak_rss_during(
                            servers[app], lambda a=app, c=case: download(servers[a], c.paths[a])
                        )
                        result["rows_per_s"] = marks["total"] / result["seconds"]
                        runs.setdefault(key, []).append(result)
                        memory.setdefault(key, []).append({"peak_kb": peak, "before_kb": before})
                    else:
                        if case.name == "not_modified":
                            # Freshness moves with the clock and is part of the list's ETag
                            # (a record turning stale changes it): take the current one.
                            _, headers, _ = fetch(servers[app], case.paths[app])
                            case.headers = {"If-None-Match": headers.get("ETag", '"none"')}
                        result = wrk(tool, servers[app], case, args, durations[key])
                        if app == "ours" and args.lone_requests:
                            # What one caller waits on a server nobody else loads: requests
                            # one after the other, once wrk's abandoned requests are done.
                            wait_until_idle(url, servers)
                            result["lone_p50_ms"] = lone_p50(servers[app], case, args.lone_requests)
                        runs.setdefault(key, []).append(result)
        copy_seconds = []
        if "export" in args.cases:
            copy_seconds = [raw_copy_seconds(url) for _ in range(max(1, args.rounds // 2))]
    finally:
        for server in servers.values():
            server.stop()
    return {
        "size": size,
        "marks": marks,
        "callers": (
            {k: v for k, v in callers.items() if k in ("organization", "organization_slug", "user")}
            if callers
            else None
        ),
        "signed_in": signed_in,
        "connections": args.connections,
        "available": available,
        "queries": queries,
        "same_json": same_json,
        "runs": runs,
        "memory": memory,
        "durations": durations,
        "raw_copy_rows_per_s": (
            marks["total"] / statistics.median(copy_seconds) if copy_seconds else None
        ),
    }


# --- Summaries ----------------------------------------------------------------------------------


def medians(result: dict) -> dict[str, dict]:
    summary = {}
    for key, runs in result["runs"].items():
        if key.endswith(" export"):
            summary[key] = {
                "rows_per_s": statistics.median(r["rows_per_s"] for r in runs),
                "seconds": statistics.median(r["seconds"] for r in runs),
                "bytes": runs[-1]["bytes"],
                "peak_rss_mb": max(m["peak_kb"] for m in result["memory"][key]) / 1024,
                "rss_before_mb": min(m["before_kb"] for m in result["memory"][key]) / 1024,
            }
        else:
            summary[key] = {
                "rps": statistics.median(r["rps"] for r in runs),
                "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                "lone_p50_ms": (
                    statistics.median(r["lone_p50_ms"] for r in runs)
                    if all("lone_p50_ms" in r for r in runs)
                    else None
                ),
                "errors": sum(
                    r["errors_status"] + r["errors_timeout"] + r["errors_connect"] for r in runs
                ),
                "requests": sum(r["requests"] for r in runs),
            }
    return summary


def series(result: dict | None, key: str, metric: str) -> list[float | None]:
    """`metric` of `key` ('<app> <case>') in each round, in round order (empty: not measured).
    `peak_kb` is the export's peak resident memory, sampled per round."""
    if result is None:
        return []
    if metric == "peak_kb":
        return [sample.get(metric) for sample in result.get("memory", {}).get(key, [])]
    return [run.get(metric) for run in result.get("runs", {}).get(key, [])]


def round_ratios(top: list, bottom: list) -> list[float]:
    """Each round's ratio of two series (round i of `top` ÷ round i of `bottom`, the same round's
    measurements); a round that lacks either figure, or has a zero, is left out."""
    return [a / b for a, b in zip(top, bottom, strict=False) if a and b]


def spread(values: list) -> dict | None:
    """The median and the min and max of the figures (None: no figure)."""
    values = [value for value in values if value is not None]
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "rounds": len(values),
    }


def _fmt_spread(figures: dict | None, digits: int = 2, unit: str = "") -> str:
    """'0.52 (0.47–0.58)': the median, then the min–max over the rounds."""
    if figures is None:
        return "–"
    median, low, high = (f"{figures[k]:.{digits}f}" for k in ("median", "min", "max"))
    return f"{median}{unit} ({low}–{high}{unit})"


def _ratio(a, b) -> float | None:
    return a / b if a and b else None


def _fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def table(results: list[dict]) -> str:
    lines = [
        "| size | case | app | req/s | p50 ms | p99 ms | lone p50 ms | queries | ours ÷ B0 "
        "| ours ÷ B1 | p50 ÷ anonymous | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        summary = medians(result)
        for case in CASES:
            for app in APPS:
                key = f"{app} {case}"
                if key not in result["available"]:
                    continue
                status = result["available"][key]
                queries = result["queries"].get(key, {}).get("queries")
                expected = 304 if case == "not_modified" else 200
                if status != expected:
                    note = "not available yet (404)" if status == 404 else f"answered {status}"
                    lines.append(
                        f"| {result['size']} | {case} | {app} | – | – | – | – | – | – | – | – "
                        f"| {note} |"
                    )
                    continue
                figures = summary[key]
                note = ""
                if case == "export":
                    cells = [
                        f"{_fmt(figures['rows_per_s'], 0)} rows/s",
                        _fmt(figures["seconds"] * 1000, 0),
                        "–",
                        "–",
                    ]
                    note = f"peak RSS {figures['peak_rss_mb']:.0f} MB"
                    metric = "rows_per_s"
                else:
                    cells = [
                        _fmt(figures["rps"]),
                        _fmt(figures["p50_ms"]),
                        _fmt(figures["p99_ms"]),
                        _fmt(figures["lone_p50_ms"]),
                    ]
                    if figures["errors"]:
                        note = f"{figures['errors']} errors of {figures['requests']}"
                    metric = "rps"
                ratios = ["", "", ""]
                if app == "ours":
                    for index, other in enumerate(("B0", "B1")):
                        if f"{other} {case}" in summary:
                            ratios[index] = _fmt_spread(
                                spread(
                                    round_ratios(
                                        series(result, key, metric),
                                        series(result, f"{other} {case}", metric),
                                    )
                                )
                            )
                    if case in ANONYMOUS_OF:
                        ratios[2] = _fmt_spread(
                            spread(
                                round_ratios(
                                    series(result, key, "p50_ms"),
                                    series(result, f"ours {ANONYMOUS_OF[case]}", "p50_ms"),
                                )
                            )
                        )
                if app == "B0" and result["same_json"].get(case) not in (None, "same"):
                    note = (note + "; " if note else "") + "JSON differs"
                lines.append(
                    f"| {result['size']} | {case} | {app} | {' | '.join(cells)} | "
                    f"{_fmt(queries, 0) if queries is not None else '–'} | "
                    f"{' | '.join(ratios)} | {note} |"
                )
        if result.get("raw_copy_rows_per_s"):
            lines.append(
                f"| {result['size']} | export | COPY (no HTTP) | "
                f"{_fmt(result['raw_copy_rows_per_s'], 0)} rows/s | – | – | – | 1 | | | | |"
            )
    return "\n".join(lines)


# Absolute p50 targets of issue 21, for the largest organization at 1M (ms).
P50_UNDER_MS = {
    "dashboard": 150.0,
    "search_rare": 50.0,
    "search_none": 50.0,
    "search_identifier": 50.0,
}
# p50 at 1M ÷ p50 at 10k, at most (searches may grow more).
SCALING = {
    "list50": 1.5,
    "list50_session": 1.5,
    "list50_key": 1.5,
    "filtered": 1.5,
    "deep": 1.5,
    "html_session": 1.5,
    "dashboard": 1.5,
    "search": 3.0,
    "search_rare": 3.0,
    "search_none": 3.0,
    "search_identifier": 3.0,
}


def targets(results: list[dict]) -> list[tuple[str, str, str]]:
    """(target, verdict, measured) for each target of issues 11 and 21: the median over the
    rounds of each round's ratio (or figure), with its min–max; the verdict is the median's."""
    by_size = {result["size"]: result for result in results}
    rows = []

    def ratio(size, top, bottom, metric, bottom_size=None):
        upper = series(by_size.get(size), top, metric)
        lower = series(by_size.get(bottom_size or size), bottom, metric)
        return spread(round_ratios(upper, lower))

    for size in by_size:
        for label, figures, bound in (
            (
                "list of 500, ours ≥ 0.5 × B0 (req/s)",
                ratio(size, "ours list500", "B0 list500", "rps"),
                0.5,
            ),
            (
                "list of 500, ours ≥ 3 × B1 (req/s)",
                ratio(size, "ours list500", "B1 list500", "rps"),
                3.0,
            ),
            (
                "304 ≥ 3 × full answer (req/s)",
                ratio(size, "ours not_modified", "ours list50", "rps"),
                3.0,
            ),
            (
                "CSV export ≥ 0.4 × COPY rows/s (B0's COPY over HTTP)",
                ratio(size, "ours export", "B0 export", "rows_per_s"),
                0.4,
            ),
            (
                "HTML page ≥ 0.5 × API list (req/s)",
                ratio(size, "ours html", "ours list50", "rps"),
                0.5,
            ),
        ):
            rows.append(_verdict(f"{size}: {label}", figures, bound, at_least=True))
        for case, anonymous in ANONYMOUS_OF.items():
            figures = ratio(size, f"ours {case}", f"ours {anonymous}", "p50_ms")
            label = f"{size}: {case} within 1.5 × {anonymous} (p50 signed-in ÷ p50 anonymous)"
            rows.append(_verdict(label, figures, 1.5, at_least=False))
        for case, bound in P50_UNDER_MS.items():
            where = "" if size == "1m" else " (the target is for 1M)"
            for metric, how in (
                ("lone_p50_ms", "lone requests, one after the other"),
                ("p50_ms", f"under load, wrk's {by_size[size].get('connections')} connections"),
            ):
                figures = spread(series(by_size[size], f"ours {case}", metric))
                label = f"{size}: {case} p50 under {bound:.0f} ms, {how}{where}"
                rows.append(_verdict(label, figures, bound, False, digits=1, unit=" ms"))
    if "10k" in by_size and "1m" in by_size:
        for case, bound in SCALING.items():
            figures = ratio("1m", f"ours {case}", f"ours {case}", "p50_ms", bottom_size="10k")
            label = f"{case}: p50 at 1M ÷ p50 at 10k ≤ {bound} (round i ÷ round i)"
            rows.append(_verdict(label, figures, bound, at_least=False))
        figures = ratio("1m", "ours export", "ours export", "peak_kb", bottom_size="10k")
        rows.append(_verdict("export: peak RSS at 1M ≤ 1.2 × at 10k", figures, 1.2, False))
    else:
        rows.append(
            (
                "scaling: p50 at 1M ÷ p50 at 10k ≤ 1.5 (searches ≤ 3), export peak RSS ≤ 1.2 ×",
                "not measured",
                "needs --sizes 10k,1m",
            )
        )
    return rows


def _verdict(
    label: str, figures: dict | None, bound: float, at_least: bool, digits: int = 2, unit: str = ""
):
    if figures is None:
        return (label, "not measured", "a figure is missing (case not available or not run)")
    value = figures["median"]
    met = value >= bound if at_least else value <= bound
    return (label, "met" if met else "NOT met", _fmt_spread(figures, digits, unit))


def _load(values) -> str:
    return ", ".join(f"{x:.2f}" for x in values) if values else "–"


def report(
    results: list[dict], command: str, production: bool = True, load: dict | None = None
) -> str:
    served = (
        f"ours served as the application role `{APP_ROLE}` (row-level security) with Redis"
        if production
        else "ours served as the superuser, without Redis"
    )
    load = load or {}
    parts = [
        f"Command: `{command}`",
        f"Configuration: {served}; B0 and B1 as the superuser",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average (1, 5, 15 min) "
        f"before the run: {_load(load.get('before'))}; after: {_load(load.get('after'))}",
    ]
    for result in results:
        if result.get("callers"):
            callers = result["callers"]
            parts.append(
                f"{result['size']}: signed-in cases as {callers['user']}, editor of organization "
                f"{callers['organization']} ({callers['organization_slug']}, the most projects)"
            )
            for credential, verdict in result.get("signed_in", {}).items():
                parts.append(f"{result['size']}: check, {credential}: {verdict}")
    parts += [
        "",
        "Ratios: the median over the rounds of each round's ratio (the same round's two "
        "measurements), then its min–max over the rounds; ours ÷ B0 and ours ÷ B1 compare req/s "
        "(the export rows/s), p50 ÷ anonymous compares p50 latency (signed-in ÷ anonymous), "
        "scaling pairs round i at 1M with round i at 10k. The other figures are medians.",
        "",
        table(results),
        "",
        "| target | verdict | measured (median, min–max over the rounds) |",
        "|---|---|---|",
        *(f"| {label} | {verdict} | {value} |" for label, verdict, value in targets(results)),
        "",
    ]
    for result in results:
        differing = {k: v for k, v in result["same_json"].items() if v != "same"}
        same = ", ".join(k for k, v in result["same_json"].items() if v == "same")
        parts.append(f"{result['size']}: B0 answers the same JSON as ours for: {same or 'none'}")
        for case, difference in differing.items():
            parts.append(f"{result['size']}: {case}: first difference {difference}")
    return "\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark ours against B0 and B1 (issues 11 and 21)."
    )
    parser.add_argument("--sizes", default="10k", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--cases", default=",".join(CASES), help=", ".join(CASES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=3, help="least seconds per measurement")
    parser.add_argument(
        "--min-requests", type=int, default=12, help="least answers per measurement"
    )
    parser.add_argument("--max-seconds", type=int, default=60, help="most seconds per measurement")
    parser.add_argument("--connections", type=int, default=4, help="wrk's open connections")
    parser.add_argument(
        "--lone-requests",
        type=int,
        default=5,
        help="ours: requests one after the other per round, for the lone p50 (0: none)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per app")
    parser.add_argument("--server", default=SERVER_URL)
    parser.add_argument(
        "--as-superuser",
        action="store_true",
        help="serve ours as the superuser without Redis (the pre-issue-21 configuration)",
    )
    args = parser.parse_args(argv)
    args.cases = [case.strip() for case in args.cases.split(",") if case.strip()]
    unknown = set(args.cases) - set(CASES)
    sizes = [size.strip().lower() for size in args.sizes.split(",")]
    if unknown or set(sizes) - set(SIZES):
        parser.error(f"unknown case or size: {sorted(unknown | (set(sizes) - set(SIZES)))}")
    unwind_on_sigterm()
    RESULTS.mkdir(exist_ok=True)
    # Cursors for the deep cases are signed here with the key the servers get (bench.b0_raw).
    os.environ["SECRET_KEY"] = ENV["SECRET_KEY"]
    tool = ensure_wrk()
    log("collectstatic (DEBUG=0 serves hashed static files through WhiteNoise)")
    manage(f"{args.server}/postgres", "collectstatic", "--no-input")
    command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    load_before = os.getloadavg()
    results = [measure_size(size, args, tool) for size in sizes]
    load = {"before": load_before, "after": os.getloadavg()}
    text = report(results, command, not args.as_superuser, load)
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {"load_before": load["before"], "load_after": load["after"], "results": results},
            indent=1,
            default=str,
        )
    )
    (RESULTS / "latest.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
