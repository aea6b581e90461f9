"""B0, the limit: a minimal WSGI app on raw psycopg 3 and orjson, no Django.

It answers the benchmark's reads with the same rows and the same JSON as our API does for an
anonymous caller (projects/api/serializers.py ProjectSerializer), so that what is left between
it and ours is the cost of the framework and of our own code:

    GET /api/v1/projects/?page_size=&cursor=&country=&category=&lifecycle_status=&q=
    GET /api/v1/projects/<identifier>/
    GET /api/v1/changes/?since=&page_size=
    GET /api/v1/projects/export.csv        (PostgreSQL COPY ... TO STDOUT, streamed)

Same page: keyset on `identifier` (our default order), `page_size` + 1 rows fetched, and the
cursor signed as registry.api.cursors signs it (same SECRET_KEY), so one cursor works on both
apps. Same JSON: the fields in the serializer's order, datetimes as DRF writes
them (ISO 8601, `Z`), the budget as a string with 2 decimals, freshness computed in SQL with
the same calendar-month thresholds as projects.domain.content. The runner checks the equality.

Differences, on purpose: no ETag / Last-Modified / Vary headers, no throttling, no content
negotiation, anonymous callers only (`missing_fields` and `pending_revision` are always null,
which is what ours answers an anonymous caller), errors are bare 400 / 404.
Each response says how many SQL statements it ran in `X-Query-Count`.

Serve it like the others: gunicorn -c deploy/gunicorn.conf.py bench.b0_raw:application
(BENCH_DATABASE_URL or DATABASE_URL names the database).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from urllib import parse

import orjson
import psycopg
from psycopg.types.json import set_json_loads

set_json_loads(orjson.loads)

PUBLIC = "('published', 'archived')"
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
PROJECT_DETAIL = re.compile(r"^/api/v1/projects/([A-Za-z0-9][A-Za-z0-9._-]{0,199})/$")
RECORD_TYPES = {"project": "projects", "zone": "zones", "contact": "contacts"}

FRESHNESS = """
    CASE WHEN p.workflow_state = 'published' AND p.confirmed_at IS NOT NULL THEN
        CASE WHEN p.confirmed_at < now() - interval '24 months' THEN 'inactive'
             WHEN p.confirmed_at < now() - interval '12 months' THEN 'stale'
             ELSE 'current' END
    END"""

COLUMNS = f"""
    p.id, p.identifier, o.slug, p.workflow_state, p.version, p.created_at, p.updated_at,
    p.published_at, p.confirmed_at, {FRESHNESS}, p.completeness, p.title, p.summary,
    p.description, p.category, p.lifecycle_status, p.countries, p.tags, p.planned_start,
    p.actual_start, p.planned_end, p.actual_end, p.locations, p.budget_amount::text,
    p.budget_currency, p.website, p.documents, p.expected_outcomes"""

# The same search condition as projects.reads.filtersets.text_search: the identifier, the title's
# text
# (the stored column search_title, upper-cased) or the words of the text (search_vector), as in
# projects/migrations/0007_search_columns.py.
SEARCH = """(
    UPPER(p.identifier::text) LIKE UPPER(%(like)s)
    OR p.search_title LIKE UPPER(%(like)s)
    OR p.search_vector @@ websearch_to_tsquery('simple'::regconfig, %(q)s))"""

PARTICIPANTS = """
    SELECT pa.project_id, pa.id, o.slug, pa.role, pa.status, pa.created_at, pa.responded_at
    FROM projects_participation pa JOIN accounts_organization o ON o.id = pa.participant_id
    WHERE pa.project_id = ANY(%s)
    ORDER BY pa.project_id, pa.participant_id, pa.id"""
ZONES = f"""
    SELECT pz.project_id, z.identifier
    FROM projects_projectzone pz JOIN projects_zone z ON z.id = pz.zone_id
    WHERE pz.project_id = ANY(%s) AND z.workflow_state IN {PUBLIC}
    ORDER BY pz.project_id, z.identifier"""
RELATIONS = f"""
    SELECT r.project_id, t.identifier, r.kind
    FROM projects_projectrelation r JOIN projects_project t ON t.id = r.related_id
    WHERE r.project_id = ANY(%s) AND t.workflow_state IN {PUBLIC}
    ORDER BY r.project_id, t.identifier"""

EXPORT = f"""
    COPY (
        SELECT p.identifier, o.slug AS organization, p.workflow_state, p.version, p.created_at,
               p.updated_at, p.published_at, p.confirmed_at, p.completeness, p.title, p.summary,
               p.description, p.category, p.lifecycle_status, p.countries, p.tags,
               p.planned_start, p.actual_start, p.planned_end, p.actual_end, p.locations,
               p.budget_amount, p.budget_currency, p.website, p.documents, p.expected_outcomes
        FROM projects_project p JOIN accounts_organization o ON o.id = p.organization_id
        WHERE p.workflow_state IN {PUBLIC}
        ORDER BY p.identifier
    ) TO STDOUT WITH (FORMAT csv, HEADER)"""


class BadRequest(Exception):
    pass


_connection: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    """One persistent connection per worker process (as CONN_MAX_AGE gives ours)."""
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ.get("BENCH_DATABASE_URL") or os.environ["DATABASE_URL"]
        _connection = psycopg.connect(url, autocommit=True, options="-c TimeZone=UTC")
    return _connection


class Counter:
    """Counts the statements of one request, for X-Query-Count."""

    def __init__(self):
        self.conn = connection()
        self.count = 0

    def fetch(self, sql, params=None):
        self.count += 1
        return self.conn.execute(sql, params).fetchall()


# --- Encoding as DRF does ---------------------------------------------------------------------


def _query(environ) -> dict[str, str]:
    return {
        key: values[-1] for key, values in parse.parse_qs(environ.get("QUERY_STRING", "")).items()
    }


def base_url(environ) -> str:
    """What Django's build_absolute_uri gives behind the TLS proxy (SECURE_PROXY_SSL_HEADER)."""
    forwarded = environ.get("HTTP_X_FORWARDED_PROTO")
    scheme = "https" if forwarded == "https" else environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    return f"{scheme}://{host}"


def full_url(environ) -> str:
    query = environ.get("QUERY_STRING", "")
    path = parse.quote(environ.get("PATH_INFO", ""))
    return f"{base_url(environ)}{path}" + (f"?{query}" if query else "")


def replace_query_param(url: str, key: str, value: str) -> str:
    """rest_framework.utils.urls.replace_query_param: parameters sorted, this one replaced."""
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    query_dict = parse.parse_qs(query, keep_blank_values=True)
    query_dict[key] = [value]
    query = parse.urlencode(sorted(query_dict.items()), doseq=True)
    return parse.urlunsplit((scheme, netloc, path, query, fragment))


# Cursors are signed as registry.api.cursors signs them: django.core.signing.dumps(payload,
# salt="registry.api.cursor:<purpose>", compress=False) with the same SECRET_KEY, written out
# here (TimestampSigner, HMAC-SHA256) so that B0 needs no Django. A cursor from one app works on
# the other; tests/test_bench_generator.py checks both ways.
LIST_PURPOSE = "list:/api/v1/projects/:identifier"
CHANGES_PURPOSE = "changes"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SIGNED = re.compile(r"([A-Za-z0-9_-]+)(?::|%3A)([0-9A-Za-z]+)(?::|%3A)([A-Za-z0-9_-]{43})")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).strip(b"=").decode()


def _b62(number: int) -> str:
    encoded = ""
    while number > 0:
        number, remainder = divmod(number, 62)
        encoded = _BASE62[remainder] + encoded
    return encoded or "0"


def _signature(value: str, purpose: str) -> str:
    salt = f"registry.api.cursor:{purpose}signer"
    key = hashlib.sha256((salt + os.environ["SECRET_KEY"]).encode()).digest()
    return _b64(hmac.new(key, value.encode(), hashlib.sha256).digest())


def sign(payload: dict, purpose: str) -> str:
    value = f"{_b64(json.dumps(payload, separators=(',', ':')).encode('latin-1'))}:"
    value += _b62(int(time.time()))
    return f"{value}:{_signature(value, purpose)}"


def unsign(token: str, purpose: str) -> dict:
    value, _, signature = token.rpartition(":")
    if not value or not hmac.compare_digest(signature, _signature(value, purpose)):
        raise BadRequest("cursor signature")
    data = value.split(":")[0]
    try:
        return json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except ValueError as exc:
        raise BadRequest("cursor") from exc


def unsigned(text: str) -> str:
    """A text with every signed cursor in it reduced to its payload (timestamps differ)."""
    return SIGNED.sub(r"\1", text)


def encode_cursor(position: str, reverse: bool = False) -> str:
    return sign({"o": 0, "r": reverse, "p": position}, LIST_PURPOSE)


def decode_cursor(encoded: str) -> str:
    tokens = unsign(encoded, LIST_PURPOSE)
    if tokens.get("r") or tokens.get("o") or not isinstance(tokens.get("p"), str):
        raise BadRequest("B0 pages forward only")
    return tokens["p"]


def page_size(query) -> int:
    raw = query.get("page_size")
    if not raw:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadRequest("page_size")
    return int(raw)


# --- Projects -----------------------------------------------------------------------------------


def _location(item: dict) -> dict:
    return {"name": item["name"], "lat": float(item["lat"]), "lon": float(item["lon"])}


def _document(item: dict) -> dict:
    document = {"title": item["title"], "url": item["url"]}
    for key in ("language", "category"):
        if key in item:
            document[key] = item[key]
    return document


def projects_json(db: Counter, environ, rows) -> list[dict]:
    """Rows of COLUMNS as ProjectSerializer renders them to an anonymous caller."""
    ids = [row[0] for row in rows]
    participants: dict[int, list] = {}
    zones: dict[int, list] = {}
    relations: dict[int, list] = {}
    if ids:
        for project_id, pk, slug, role, status, created, responded in db.fetch(PARTICIPANTS, [ids]):
            participants.setdefault(project_id, []).append(
                {
                    "id": pk,
                    "organization": slug,
                    "role": role,
                    "status": status,
                    "confirmed": status == "confirmed",
                    "created_at": created,
                    "responded_at": responded,
                }
            )
        for project_id, identifier in db.fetch(ZONES, [ids]):
            zones.setdefault(project_id, []).append(identifier)
        for project_id, identifier, kind in db.fetch(RELATIONS, [ids]):
            relations.setdefault(project_id, []).append({"identifier": identifier, "kind": kind})
    prefix = f"{base_url(environ)}/api/v1/projects/"
    results = []
    for row in rows:
        (pk, identifier, org, state, version, created, updated, published, confirmed, fresh,
         completeness, title, summary, description, category, lifecycle, countries, tags,
         planned_start, actual_start, planned_end, actual_end, locations, budget, currency,
         website, documents, outcomes) = row  # fmt: skip
        results.append(
            {
                "identifier": identifier,
                "url": f"{prefix}{identifier}/",
                "organization": org,
                "workflow_state": state,
                "version": version,
                "created_at": created,
                "updated_at": updated,
                "published_at": published,
                "confirmed_at": confirmed,
                "freshness": fresh,
                "completeness": completeness,
                "missing_fields": None,
                "title": title,
                "summary": summary,
                "description": description,
                "category": category,
                "lifecycle_status": lifecycle,
                "countries": countries,
                "tags": tags,
                "planned_start": planned_start,
                "actual_start": actual_start,
                "planned_end": planned_end,
                "actual_end": actual_end,
                "locations": [_location(item) for item in locations],
                "zones": zones.get(pk, []),
                "related_projects": relations.get(pk, []),
                "budget_amount": budget,
                "budget_currency": currency,
                "website": website,
                "documents": [_document(item) for item in documents],
                "expected_outcomes": outcomes,
                "participants": participants.get(pk, []),
                "pending_revision": None,
            }
        )
    return results


def project_list(db: Counter, environ) -> dict:
    query = _query(environ)
    size = page_size(query)
    conditions = [f"p.workflow_state IN {PUBLIC}"]
    params: dict = {"limit": size + 1}
    position = None
    if "cursor" in query:
        position = decode_cursor(query["cursor"])
        conditions.append("p.identifier > %(position)s")
        params["position"] = position
    if "country" in query:
        conditions.append("p.countries @> %(countries)s::jsonb")
        params["countries"] = orjson.dumps([query["country"]]).decode()
    for name in ("category", "lifecycle_status"):
        if name in query:
            conditions.append(f"p.{name} = %({name})s")
            params[name] = query[name]
    if query.get("q", "").strip():
        value = query["q"].strip()
        conditions.append(SEARCH)
        params["q"] = value
        # As Django escapes an icontains value (connection.ops.prep_for_like_query).
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["like"] = f"%{escaped}%"
    rows = db.fetch(
        f"SELECT {COLUMNS} FROM projects_project p "
        "JOIN accounts_organization o ON o.id = p.organization_id "
        f"WHERE {' AND '.join(conditions)} ORDER BY p.identifier LIMIT %(limit)s",
        params,
    )
    page = rows[:size]
    url = full_url(environ)
    next_link = None
    if len(rows) > size:
        next_link = replace_query_param(url, "cursor", encode_cursor(page[-1][1]))
    previous_link = None
    if position is not None and page:
        previous_link = replace_query_param(url, "cursor", encode_cursor(page[0][1], True))
    return {
        "next": next_link,
        "previous": previous_link,
        "results": projects_json(db, environ, page),
    }


def prefix_candidates(identifier: str) -> list[str]:
    parts = identifier.upper().split("-")
    return ["-".join(parts[:end]) for end in range(1, len(parts))]


def project_detail(db: Counter, environ, identifier: str) -> dict | None:
    rows = db.fetch(
        f"SELECT {COLUMNS} FROM projects_project p "
        "JOIN accounts_organization o ON o.id = p.organization_id "
        "WHERE p.organization_id IN ("
        "  SELECT id FROM accounts_organization WHERE identifier_prefix = ANY(%s)) "
        f"AND p.identifier = %s AND p.workflow_state IN {PUBLIC}",
        [prefix_candidates(identifier), identifier],
    )
    return projects_json(db, environ, rows)[0] if rows else None


# --- The changes feed -------------------------------------------------------------------------

# Visibility probed per entry (EXISTS on the record's primary key) as ours does since issue 11,
# rather than `object_id IN (every public id)`, which reads every record for each page.
CHANGES = f"""
    SELECT a.id, a.action, a.revision, a.identifier, a.version, a.created_at, ct.model
    FROM projects_auditentry a JOIN django_content_type ct ON ct.id = a.content_type_id
    WHERE a.action IN ('approve', 'archive') AND a.id > %s AND (
        (ct.model = 'project' AND EXISTS (SELECT 1 FROM projects_project r
            WHERE r.id = a.object_id AND r.workflow_state IN {PUBLIC}))
        OR (ct.model = 'zone' AND EXISTS (SELECT 1 FROM projects_zone r
            WHERE r.id = a.object_id AND r.workflow_state IN {PUBLIC}))
        OR (ct.model = 'contact' AND EXISTS (SELECT 1 FROM projects_contact r
            WHERE r.id = a.object_id AND r.workflow_state IN {PUBLIC})))
      AND ct.app_label = 'projects'
    ORDER BY a.id LIMIT %s"""


def feed_cursor(entry_id: int) -> str:
    return sign({"e": entry_id}, CHANGES_PURPOSE)


def changes(db: Counter, environ) -> dict:
    query = _query(environ)
    size = page_size(query)
    since = query.get("since")
    after = 0
    if since:
        after = unsign(since, CHANGES_PURPOSE).get("e")
        if not isinstance(after, int) or after < 0:
            raise BadRequest("since")
    base = base_url(environ)
    events = []
    for entry_id, action, revision, identifier, version, at, model in db.fetch(
        CHANGES, [after, size]
    ):
        record_type = RECORD_TYPES[model]
        events.append(
            {
                "cursor": feed_cursor(entry_id),
                "event": "archive"
                if action == "archive"
                else ("update" if revision is not None else "publish"),
                "type": record_type,
                "identifier": identifier,
                "version": version,
                "at": at,
                "url": f"{base}/api/v1/{record_type}/{identifier}/",
            }
        )
    cursor = events[-1]["cursor"] if events else since
    next_url = None
    if len(events) == size:
        next_url = f"{base}/api/v1/changes/?since={cursor}&page_size={size}"
    return {"results": events, "next": next_url, "previous": None, "cursor": cursor}


# --- WSGI ---------------------------------------------------------------------------------------


def export_csv(counter: Counter):
    counter.count += 1
    with counter.conn.cursor() as cursor, cursor.copy(EXPORT) as copy:
        for chunk in copy:
            yield bytes(chunk)


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    db = Counter()
    try:
        if path == "/api/v1/projects/export.csv":
            start_response(
                "200 OK", [("Content-Type", "text/csv; charset=utf-8"), ("X-Query-Count", "1")]
            )
            return export_csv(db)
        if path == "/api/v1/projects/":
            body = project_list(db, environ)
        elif path == "/api/v1/changes/":
            body = changes(db, environ)
        elif match := PROJECT_DETAIL.match(path):
            body = project_detail(db, environ, match.group(1))
        else:
            body = None
    except BadRequest as exc:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [f"bad {exc}".encode()]
    if body is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"Not found."}']
    payload = orjson.dumps(body, option=orjson.OPT_UTC_Z)
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("X-Query-Count", str(db.count)),
        ],
    )
    return [payload]
