"""gunicorn settings for production (`make serve`) and for the benchmark (bench/run.py).

Every value comes from the environment, with defaults for a 2-core machine behind a TLS proxy:

    GUNICORN_BIND            127.0.0.1:8000   the proxy connects here (PORT=8000 also works)
    WEB_CONCURRENCY          2 x cores + 1    sync worker processes (5 on 2 cores)
    GUNICORN_THREADS         1                threads per worker (>1 switches to gthread)
    GUNICORN_TIMEOUT         60               seconds before a silent worker is restarted
    GUNICORN_MAX_REQUESTS    2000             recycle a worker after this many requests (0: never)
    GUNICORN_ACCESS_LOG      unset            "-" logs every request to stdout
    FORWARDED_ALLOW_IPS      127.0.0.1 when SECURE_PROXY_SSL_HEADER is set, else nobody:
                             proxies whose X-Forwarded-* headers gunicorn applies
    SECURE_PROXY_SSL_HEADER  unset            the one header (Django's setting, e.g.
                             HTTP_X_FORWARDED_PROTO) that says https; unset, gunicorn applies
                             no X-Forwarded-* header at all (issue 17, finding 3)

Sync workers fit Django's synchronous ORM: each worker holds one persistent database
connection (CONN_MAX_AGE), so the database sees at most WEB_CONCURRENCY x THREADS connections.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
# Workers restart at different moments, not all at once.
max_requests_jitter = max_requests // 10


def _scheme_headers() -> dict[str, str]:
    """gunicorn trusts exactly the https header Django is told about, or none.

    Its default trusts X-Forwarded-Proto, X-Forwarded-Ssl and X-Forwarded-Protocol from
    forwarded_allow_ips: any local client could then claim https (no redirect, HSTS, https
    links) although Django was told of no proxy. With SECURE_PROXY_SSL_HEADER unset, no
    header; with it set (HTTP_X_FORWARDED_PROTO), only that one, meaning "https".
    """
    header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip().upper()
    if not header:
        return {}
    return {header.removeprefix("HTTP_").replace("_", "-"): "https"}


secure_scheme_headers = _scheme_headers()
# The proxy in front sets that header; without one, no address is trusted for X-Forwarded-*.
forwarded_allow_ips = os.environ.get(
    "FORWARDED_ALLOW_IPS", "127.0.0.1" if secure_scheme_headers else ""
)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Request line and header limits stay at gunicorn's safe defaults.
# gunicorn 25+ opens a control socket at one fixed path per user; several servers on one machine
# (the benchmark runs three) would fight over it, and the proxy never uses it.
control_socket_disable = True
