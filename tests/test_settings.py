"""Production settings: with DEBUG off and real values, `check --deploy` reports nothing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set by the browser tests' session in the same worker; a production process never has it.
TEST_ONLY_VARIABLES = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(*args, **env):
    inherited = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k3y-" + "x7Q9pLm2Vz8RtY4wN6bC1dF5gH0jK3sA" * 2,
        ALLOWED_HOSTS="registry.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="0", SECRET_KEY="", ALLOWED_HOSTS="registry.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def settings_as_seen(names: list[str], **env) -> dict[str, str]:
    """The settings a process started with this environment computes (DEBUG on, dev defaults)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("EMAIL_", "SECURE_", "LOCKOUT_", "DEFAULT_FROM", "SERVER_EMAIL", "MFA_", "ANONYMOUS_")
        )
    }
    code = "from django.conf import settings\n" + "".join(
        f"print({name!r}, repr(getattr(settings, {name!r})), sep='=')\n" for name in names
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_proxy_header_email_and_lockout_come_from_the_environment():
    names = [
        "SECURE_PROXY_SSL_HEADER",
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
        "DEFAULT_FROM_EMAIL",
        "LOCKOUT_FAILURES",
        "LOCKOUT_MINUTES",
        "LOCKOUT_ADDRESS_FAILURES",
        "MFA_REQUIRED_ROLES",
        "PASSWORD_RESET_TIMEOUT",
        "EMAIL_FILE_PATH",
        "ANONYMOUS_MAX_BODY_BYTES",
    ]
    default = settings_as_seen(names)
    assert default["SECURE_PROXY_SSL_HEADER"] == "None"  # no proxy trusted unless told
    assert default["EMAIL_BACKEND"] == "'django.core.mail.backends.console.EmailBackend'"
    assert (default["LOCKOUT_FAILURES"], default["LOCKOUT_MINUTES"]) == ("5", "30")
    assert default["LOCKOUT_ADDRESS_FAILURES"] == "50"
    assert default["MFA_REQUIRED_ROLES"] == "'admin,reviewer,platform_admin'"
    assert default["PASSWORD_RESET_TIMEOUT"] == "3600"
    assert default["ANONYMOUS_MAX_BODY_BYTES"] == "1000000"
    configured = settings_as_seen(
        names,
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="registry",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_SSL="1",
        DEFAULT_FROM_EMAIL="registry@example.org",
        LOCKOUT_FAILURES="3",
        LOCKOUT_MINUTES="10",
        LOCKOUT_ADDRESS_FAILURES="20",
        MFA_REQUIRED_ROLES="",
        EMAIL_FILE_PATH="/var/mail/registry",
        ANONYMOUS_MAX_BODY_BYTES="4096",
    )
    assert configured["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert configured["EMAIL_BACKEND"] == "'django.core.mail.backends.smtp.EmailBackend'"
    assert configured["EMAIL_HOST"] == "'smtp.example.org'" and configured["EMAIL_PORT"] == "465"
    assert configured["EMAIL_HOST_USER"] == "'registry'"
    assert configured["EMAIL_HOST_PASSWORD"] == "'s3cret'"
    # Implicit TLS (SSL) and STARTTLS exclude each other; SSL wins when asked for.
    assert (configured["EMAIL_USE_SSL"], configured["EMAIL_USE_TLS"]) == ("True", "False")
    assert configured["DEFAULT_FROM_EMAIL"] == "'registry@example.org'"
    assert (configured["LOCKOUT_FAILURES"], configured["LOCKOUT_MINUTES"]) == ("3", "10")
    assert configured["LOCKOUT_ADDRESS_FAILURES"] == "20"
    assert configured["MFA_REQUIRED_ROLES"] == "''"  # nobody forced
    assert configured["EMAIL_FILE_PATH"] == "'/var/mail/registry'"
    assert configured["ANONYMOUS_MAX_BODY_BYTES"] == "4096"


def test_check_deploy_is_clean_behind_a_trusted_proxy_with_smtp():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k3y-" + "x7Q9pLm2Vz8RtY4wN6bC1dF5gH0jK3sA" * 2,
        ALLOWED_HOSTS="registry.example.org",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_replicas_sessions_and_their_timings_come_from_the_environment():
    """Issue 19: DATABASE_REPLICA_URLS adds one alias per replica; with REDIS_URL sessions live in
    the shared cache (written through to the database)."""
    names = ["DATABASE_REPLICAS", "SESSION_ENGINE", "REPLICA_STICKY_SECONDS", "DATABASE_ROUTERS"]
    default = settings_as_seen(names, DATABASE_REPLICA_URLS="", REDIS_URL="")
    assert default["DATABASE_REPLICAS"] == "[]"
    assert default["SESSION_ENGINE"] == "'django.contrib.sessions.backends.db'"
    assert default["DATABASE_ROUTERS"] == "['registry.db_router.PrimaryReplicaRouter']"
    configured = settings_as_seen(
        [*names, "DATABASES"],
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/registry, postgres://app@replica-b/registry",
        REDIS_URL="redis://127.0.0.1:6379/0",
        REPLICA_STICKY_SECONDS="30",
    )
    assert configured["DATABASE_REPLICAS"] == "['replica1', 'replica2']"
    assert "'HOST': 'replica-a'" in configured["DATABASES"]
    assert "'HOST': 'replica-b'" in configured["DATABASES"]
    assert "'MIRROR': 'default'" in configured["DATABASES"]
    assert configured["SESSION_ENGINE"] == "'django.contrib.sessions.backends.cached_db'"
    assert configured["REPLICA_STICKY_SECONDS"] == "30"
