"""The whole production topology on this one machine, on loopback ports (issue 19).

    python deploy/topology.py up       start everything (idempotent: running parts are kept)
    python deploy/topology.py status   what runs, and /readyz through nginx
    python deploy/topology.py down     stop everything cleanly (--purge also deletes the state)

What it starts, each with its own port and its state under TOPOLOGY_DIR
(default /tmp/registry-topology):

    PostgreSQL primary     TOPOLOGY_PORT_BASE + 432   initdb, WAL for replication
    PostgreSQL replica     + 433                       pg_basebackup -R: streaming, hot standby
    Redis                  + 379                       cache, sessions, throttles; Celery's broker
    app server 1 and 2     + 801, + 802                gunicorn (deploy/gunicorn.conf.py), DEBUG=0
    nginx                  + 80                        load-balances the two (README's headers)
    Celery worker, beat                                only where registry/celery.py exists

TOPOLOGY_PORT_BASE defaults to 56000 (so the primary listens on 56432, nginx on 56080). The
application connects as the least-privilege role (`setup_database_roles`), migrations run as
the owner, as in production (README). Authentication is `trust` on loopback only: this is a
drill on one machine, not a production pg_hba.conf (docs/operations.md).

deploy/drill.py and deploy/backup_drill.py import this module to drive the same topology.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
STATE = Path(os.environ.get("TOPOLOGY_DIR", "/tmp/registry-topology"))
BASE = int(os.environ.get("TOPOLOGY_PORT_BASE", "56000"))
DATABASE = "registry"
OWNER, APP_ROLE = "registry_owner", "registry_app"
SECRET_KEY = "topology-drill-secret-key-not-for-production-0123456789abcdef"


@dataclass(frozen=True)
class Ports:
    primary: int = BASE + 432
    replica: int = BASE + 433
    redis: int = BASE + 379
    apps: tuple[int, int] = (BASE + 801, BASE + 802)
    nginx: int = BASE + 80


PORTS = Ports()


def log(message: str) -> None:
    print(f"[topology {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args, *, env=None, check=True, capture=False, as_postgres=False) -> str:
    args = [str(a) for a in args]
    if as_postgres and os.geteuid() == 0:
        # PostgreSQL refuses to run as root: its binaries run as the `postgres` user.
        args = ["runuser", "-u", "postgres", "--", *args]
    result = subprocess.run(args, env=env, check=False, text=True, capture_output=True, cwd=ROOT)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout if capture else ""


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_bin(name: str) -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql/*/bin")
    return f"{found[-1]}/{name}"


# PostgreSQL's files live in a folder of their own, owned by the user that runs it.
PG = STATE / "pg"


def pg_dir(name: str) -> Path:
    return PG / name


def pg_running(name: str) -> bool:
    if not (pg_dir(name) / "postmaster.pid").exists():
        return False
    return (
        subprocess.run(
            ["runuser", "-u", "postgres", "--", pg_bin("pg_ctl"), "status", "-D", pg_dir(name)]
            if os.geteuid() == 0
            else [pg_bin("pg_ctl"), "status", "-D", pg_dir(name)],
            capture_output=True,
        ).returncode
        == 0
    )


def pg_ctl(name: str, action: str, *extra: str) -> None:
    run(
        [
            pg_bin("pg_ctl"),
            action,
            "-D",
            pg_dir(name),
            "-l",
            PG / f"{name}.log",
            "-w",
            "-t",
            "60",
            *extra,
        ],
        as_postgres=True,
    )


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
max_connections = 100
shared_buffers = 128MB
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
fsync = on
synchronous_commit = on
"""

HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def init_primary() -> None:
    data = pg_dir("primary")
    if (data / "PG_VERSION").exists():
        return
    PG.mkdir(parents=True, exist_ok=True)
    _own(PG)
    data.mkdir()
    _own(data)
    sockets = PG / "sockets"
    sockets.mkdir(exist_ok=True)
    _own(sockets)
    log("initdb: the primary")
    run(
        [pg_bin("initdb"), "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"],
        as_postgres=True,
    )
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(PRIMARY_CONF.format(port=PORTS.primary, sockets=sockets))
    (data / "pg_hba.conf").write_text(HBA)


def init_replica() -> None:
    data = pg_dir("replica")
    if (data / "PG_VERSION").exists():
        return
    log("pg_basebackup: the streaming replica")
    run(
        [
            pg_bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            PORTS.primary,
            "-U",
            "postgres",
            "-D",
            data,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ],
        as_postgres=True,
    )
    with open(data / "postgresql.auto.conf", "a") as conf:
        conf.write(f"port = {PORTS.replica}\n")


def url(port: int, user: str = "postgres", database: str = DATABASE) -> str:
    return f"postgres://{user}@127.0.0.1:{port}/{database}"


def psql(sql: str, *, port: int = PORTS.primary, database: str = "postgres") -> str:
    return run(
        [
            pg_bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            database,
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ],
        capture=True,
    ).strip()


def manage(*args, env: dict | None = None, capture=False) -> str:
    return run(
        [PYTHON, "manage.py", *args],
        env=env or django_env(url(PORTS.primary, OWNER)),
        capture=capture,
    )


def prepare_database() -> None:
    """The database, its two roles, the schema, and the drill's organization, user and key."""
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
        return
    log("the database, its roles (setup_database_roles), migrate as the owner")
    psql(f"CREATE DATABASE {DATABASE}")
    superuser = django_env(url(PORTS.primary))
    manage("setup_database_roles", "--owner", OWNER, "--app", APP_ROLE, env=superuser)
    manage("migrate", "--no-input", "-v", "0")
    manage("setup_database_roles", "--owner", OWNER, "--app", APP_ROLE, env=superuser)
    manage(
        "create_organization",
        "--slug",
        "drill",
        "--name",
        "Drill city",
        "--kind",
        "local_government",
        "--country",
        "KZ",
        "--prefix",
        "KZ-DRL",
    )
    manage(
        "create_user",
        "--username",
        "driller",
        "--email",
        "driller@example.org",
        "--password",
        "Caravanserai-on-the-silk-road-2025",
        "--org",
        "drill",
        "--role",
        "editor",
    )
    api_key()
    api_key("read")


# --- The application ---------------------------------------------------------------------------


def django_env(database_url: str, **extra: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": f"redis://127.0.0.1:{PORTS.redis}/0",
        # Plain http on loopback: the drill is not behind TLS.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        "API_NUM_PROXIES": "1",
        # The drill's load comes from one address and one key: no throttling in the way.
        "API_THROTTLE_KEY": "1000000/minute",
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_USER": "1000000/minute",
        "PYTHONUNBUFFERED": "1",
        # The drill's webhook receiver listens on loopback (a closed network).
        "WEBHOOK_ALLOW_PRIVATE": "1",
        # The drill's clock is short: Redis hands a killed worker's message on after 20 s (not
        # an hour; the worker looks every 5 s), and a running job whose row is still for 10 s
        # may be claimed again.
        "CELERY_VISIBILITY_TIMEOUT": os.environ.get("CELERY_VISIBILITY_TIMEOUT", "20"),
        "CELERY_RESTORE_INTERVAL": "5",
        "CELERY_RESTORE_THROTTLE": "1",
        "JOB_STALE_SECONDS": os.environ.get("JOB_STALE_SECONDS", "10"),
    }
    env.update(extra)
    return env


def app_env() -> dict:
    return django_env(
        url(PORTS.primary, APP_ROLE),
        DATABASE_REPLICA_URLS=url(PORTS.replica, APP_ROLE),
        WEB_CONCURRENCY=os.environ.get("TOPOLOGY_WORKERS", "2"),
        GUNICORN_TIMEOUT="30",
        # Connections are re-opened per request, so a restarted primary costs the requests in
        # flight only (production keeps them: CONN_MAX_AGE with health checks does the same).
        DB_CONN_MAX_AGE=os.environ.get("TOPOLOGY_CONN_MAX_AGE", "60"),
    )


def pid_of(name: str) -> int | None:
    path = STATE / f"{name}.pid"
    try:
        pid = int(path.read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def start_app(number: int) -> None:
    name = f"app{number}"
    if pid_of(name):
        return
    port = PORTS.apps[number - 1]
    log(f"gunicorn: {name} on 127.0.0.1:{port}")
    env = {**app_env(), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    run(
        [
            BIN / "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--daemon",
            "--pid",
            STATE / f"{name}.pid",
            "--capture-output",
            "--error-logfile",
            STATE / f"{name}.log",
            "registry.wsgi:application",
        ],
        env=env,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", name)


def children(pid: int) -> list[int]:
    found = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in Path(task).read_text().split()]
    return found


def kill_app(number: int, sig=signal.SIGKILL) -> None:
    """Kill an app server like a crash: its master and its workers, at once."""
    pid = pid_of(f"app{number}")
    if pid is None:
        return
    for each in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            os.kill(each, sig)
    (STATE / f"app{number}.pid").unlink(missing_ok=True)


def stop_app(number: int) -> None:
    pid = pid_of(f"app{number}")
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)  # gunicorn's graceful stop
    wait_gone(pid)


def wait_gone(pid: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)


def wait_http(address: str, what: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(address, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {address} within {seconds}s")


# --- Redis, nginx, Celery -----------------------------------------------------------------------


def start_redis() -> None:
    if pid_of("redis"):
        return
    log(f"redis on 127.0.0.1:{PORTS.redis}")
    run(
        [
            "redis-server",
            "--port",
            PORTS.redis,
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--pidfile",
            STATE / "redis.pid",
            "--logfile",
            STATE / "redis.log",
            "--dir",
            STATE,
            "--save",
            "",
            "--appendonly",
            "yes",
        ]
    )
    deadline = time.time() + 10
    while not pid_of("redis") and time.time() < deadline:
        time.sleep(0.1)


def stop_redis() -> None:
    pid = pid_of("redis")
    if pid:
        run(["redis-cli", "-p", PORTS.redis, "shutdown"], check=False)
        wait_gone(pid)


NGINX_CONF = """
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {state}/nginx-access.log;
    client_body_temp_path {state}/nginx-body;
    proxy_temp_path {state}/nginx-proxy;
    fastcgi_temp_path {state}/nginx-fastcgi;
    uwsgi_temp_path {state}/nginx-uwsgi;
    scgi_temp_path {state}/nginx-scgi;
    client_max_body_size 110m;
    upstream registry {{
        # A server that refuses connections is left out for fail_timeout, then tried again.
        server 127.0.0.1:{app1} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{app2} max_fails=1 fail_timeout=5s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://registry;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # The README's proxy headers: the client's address and scheme, overwritten.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A server that is down (refused, reset before an answer) is skipped: the request
            # goes to the other one. A request already being answered is never sent twice.
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    log("nginx is missing: apt-get install nginx")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(
        ["apt-get", "install", "-y", "--no-install-recommends", "nginx-light"], env=env, check=False
    )
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        run(["apt-get", "update"], env=env)
        run(["apt-get", "install", "-y", "--no-install-recommends", "nginx"], env=env)
    return found


def start_nginx() -> None:
    if pid_of("nginx"):
        return
    binary = nginx_binary()
    conf = STATE / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(state=STATE, app1=PORTS.apps[0], app2=PORTS.apps[1], port=PORTS.nginx)
    )
    log(f"nginx on 127.0.0.1:{PORTS.nginx}")
    run([binary, "-c", conf, "-p", STATE])
    wait_http(f"http://127.0.0.1:{PORTS.nginx}/healthz", "nginx")


def stop_nginx() -> None:
    pid = pid_of("nginx")
    if pid:
        os.kill(pid, signal.SIGQUIT)  # graceful: finish the requests in flight
        wait_gone(pid)


def has_celery() -> bool:
    return (ROOT / "registry" / "celery.py").exists()


def start_celery(kind: str) -> None:
    """`celery -A registry worker` or `beat`, once registry/celery.py exists (issue 19's jobs)."""
    if not has_celery() or pid_of(kind):
        return
    log(f"celery {kind}")
    extra = ["--schedule", STATE / "beat-schedule"] if kind == "beat" else ["--concurrency", "2"]
    run(
        [
            BIN / "celery",
            "-A",
            "registry",
            kind,
            "--detach",
            "--pidfile",
            STATE / f"{kind}.pid",
            "--logfile",
            STATE / f"{kind}.log",
            "--loglevel",
            "INFO",
            *extra,
        ],
        env=app_env(),
    )


def kill_celery(kind: str, sig=signal.SIGKILL) -> None:
    pid = pid_of(kind)
    if pid is None:
        return
    for each in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            os.kill(each, sig)
    (STATE / f"{kind}.pid").unlink(missing_ok=True)


def stop_celery(kind: str) -> None:
    pid = pid_of(kind)
    if pid:
        os.kill(pid, signal.SIGTERM)  # warm shutdown: the tasks in hand finish first
        wait_gone(pid, 60)


# --- The commands -------------------------------------------------------------------------------


def up() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE, 0o755)
    init_primary()
    if not pg_running("primary"):
        log(f"PostgreSQL primary on 127.0.0.1:{PORTS.primary}")
        pg_ctl("primary", "start")
    start_redis()
    prepare_database()
    init_replica()
    if not pg_running("replica"):
        log(f"PostgreSQL replica on 127.0.0.1:{PORTS.replica}")
        pg_ctl("replica", "start")
    manage("collectstatic", "--no-input", "-v", "0", env=app_env())
    start_app(1)
    start_app(2)
    start_nginx()
    start_celery("worker")
    start_celery("beat")
    status()


def status() -> dict:
    report = {
        "primary": pg_running("primary"),
        "replica": pg_running("replica"),
        "redis": bool(pid_of("redis")),
        "app1": bool(pid_of("app1")),
        "app2": bool(pid_of("app2")),
        "nginx": bool(pid_of("nginx")),
    }
    if has_celery():
        report.update(worker=bool(pid_of("worker")), beat=bool(pid_of("beat")))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORTS.nginx}/readyz", timeout=5) as r:
            report["readyz"] = json.loads(r.read())
    except Exception as exc:  # status reports, never fails
        report["readyz"] = f"unavailable: {exc}"
    if report["replica"]:
        report["replication"] = psql(
            "SELECT application_name || ' ' || state || ' replay_lag=' "
            "|| coalesce(replay_lag::text, '0') FROM pg_stat_replication"
        )
    print(json.dumps(report, indent=2))
    return report


def down(purge: bool = False) -> None:
    for kind in ("beat", "worker"):
        stop_celery(kind)
    stop_nginx()
    stop_app(1)
    stop_app(2)
    for name in ("replica", "primary"):
        if pg_running(name):
            log(f"stopping PostgreSQL {name}")
            pg_ctl(name, "stop", "-m", "fast")
    stop_redis()
    if purge and STATE.exists():
        shutil.rmtree(STATE)
        log(f"removed {STATE}")
    log("down")


def api_key(scopes: str = "read,write", *, user: str = "driller") -> str:
    """The drill's key with these scopes (made once): one writes, another only reads."""
    path = STATE / f"api_key_{scopes.replace(',', '_')}"
    if user != "driller":
        path = path.with_name(f"{path.name}_{user}")
    if not path.exists():
        out = manage(
            "create_api_key",
            "--user",
            user,
            "--org",
            "drill",
            "--scopes",
            scopes,
            "--name",
            f"drill {scopes}",
            capture=True,
        )
        path.write_text(out.strip().splitlines()[-1])
    return path.read_text().strip()


def admin_api_key() -> str:
    """A key of the drill organization's admin: subscribing a webhook is an admin's to do."""
    manage(
        "create_user",
        "--username",
        "drill-admin",
        "--email",
        "drill-admin@example.org",
        "--password",
        "Caravanserai-on-the-silk-road-2025",
        "--org",
        "drill",
        "--role",
        "admin",
    )
    return api_key(user="drill-admin")


# Publishes one project of the drill organization through the workflow (the editor submits,
# the admin signs off where the organization asks for it, a secretariat reviewer approves):
# webhook events need public changes.
PUBLISH_ONE = """
from django.contrib.auth import get_user_model
from accounts.models import Organization
from projects.domain import services, workflow
from projects.models import Project
from registry import rls
from registry.tenancy import Actor

with rls.system_context("the drill publishes one project"):
    users = get_user_model().objects
    actors = [Actor.for_user(users.get(username=name)) for name in PEOPLE]
    content = {
        "title": {"en": "Drill webhook project"},
        "summary": {"en": "Published by deploy/drill.py"},
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": ["KZ"],
        "planned_start": "2025-06-01",
        "locations": [{"name": "Khorgos", "lat": 44.2, "lon": 80.4}],
    }
    project = services.create_record(
        actors[0], Project, Organization.objects.get(slug="drill"), content
    )
    editor, admin, reviewer = actors
    project = workflow.perform(editor, Project, project.identifier, "submit")
    if project.workflow_state == "pending_signoff":
        project = workflow.perform(admin, Project, project.identifier, "signoff")
    project = workflow.perform(reviewer, Project, project.identifier, "approve")
    print(project.identifier, project.workflow_state)
"""


def published_project() -> str:
    """The identifier of a newly published project of the drill organization."""
    admin_api_key()
    manage(
        "create_user",
        "--username",
        "drill-reviewer",
        "--email",
        "drill-reviewer@example.org",
        "--password",
        "Caravanserai-on-the-silk-road-2025",
        "--platform-role",
        "reviewer",
    )
    people = repr(["driller", "drill-admin", "drill-reviewer"])
    out = manage("shell", "-c", f"PEOPLE = {people}\n{PUBLISH_ONE}", capture=True)
    identifier, state = out.strip().splitlines()[-1].split()
    assert state == "published", out
    return identifier


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--purge", action="store_true", help="down: delete the state too")
    options = parser.parse_args(argv)
    if options.command == "up":
        up()
    elif options.command == "down":
        down(options.purge)
    else:
        status()
    return 0


if __name__ == "__main__":
    sys.exit(main())
