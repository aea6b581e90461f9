"""Site-wide middleware: a guard that runs before anything reads the body (the body size
limit, `BodySizeLimitMiddleware`), and the request's transaction that tells the database who is
asking (`RowLevelSecurityMiddleware`, issue 10).

The ORM's boundary (registry.tenancy) scopes every query; row-level security (registry.rls) is
the database's second line, and it needs to know the asker. So the request's database work runs
in one transaction that starts by stating the actor with transaction-local settings:

* here, after authentication, for the session's user (or nobody);
* again in the API views once an API key has authenticated (registry.api.base), since DRF
  authenticates inside the view;
* a streaming response's content is produced later, after this transaction: it runs in a
  transaction of its own with the same context (`rls.stream_in_context`).

A request that only reads may read from a streaming replica (registry.db_router): its
transaction is opened on that replica too and the actor stated there as well.

A response of 500 or more rolls the transaction back, as Django's ATOMIC_REQUESTS would. Views
that read no table (the health probes) are marked `outside_request_transaction`: the liveness
probe must answer while the database is down, the readiness probe reports it. SQLite has no
row-level security; requests there run as before, without the transaction.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections, transaction
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control

from registry import db_router, rls

API_PREFIX = "/api/"
PAYLOAD_TOO_LARGE = 413
# The API's one route that takes files: the bulk import (SPEC 8, `POST /api/v1/{type}/import/`).
UPLOAD_SUFFIX = "/import/"
# Room for the multipart boundaries and headers around an uploaded file.
MULTIPART_OVERHEAD = 64 * 1024


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def body_limit(request) -> int | None:
    """The most bytes a body may have here; None: no limit of ours (Django's still applies).

    The API takes JSON only, up to API_MAX_BODY_BYTES, except a file sent to an import route
    (multipart, up to IMPORT_MAX_BYTES; projects.io.uploads). Pages take forms up to Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE; multipart forms may carry files, which Django streams to disk
    and which that setting does not count, so their size is left to the view that takes them.
    """
    if is_api_request(request):
        if request.content_type == "multipart/form-data" and request.path_info.endswith(
            UPLOAD_SUFFIX
        ):
            return settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD
        return settings.API_MAX_BODY_BYTES
    if request.content_type == "multipart/form-data":
        return None
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_response(request, limit: int | None):
    """The 413: the API's JSON error on the API, a page elsewhere."""
    if is_api_request(request):
        from registry.api.errors import error_body

        detail = (
            f"The request body is larger than {limit} bytes."
            if limit is not None
            else "The request body is too large."
        )
        return JsonResponse(error_body(detail, "payload_too_large"), status=PAYLOAD_TOO_LARGE)
    return render(
        request,
        "errors/413.html",
        {"limit_megabytes": round((limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE) / 1e6, 1)},
        status=PAYLOAD_TOO_LARGE,
    )


class BodySizeLimitMiddleware:
    """Answer 413 to a body whose Content-Length is over the limit, before anything reads it.

    Without this, whichever code touched the body first decided the answer: the JSON parser
    gave a JSON 413, but the CSRF check or `request.body` raised RequestDataTooBig, which Django
    turns into a bare HTML 400. Bodies sent without a Content-Length are cut off at the limit by
    the parser (API) or by Django (pages), and `registry.views.bad_request` turns Django's
    RequestDataTooBig into this same 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request)
        length = declared_length(request)
        if limit is not None and length > limit:
            return too_large_response(request, limit)
        anonymous_limit = settings.ANONYMOUS_MAX_BODY_BYTES
        if length > anonymous_limit and not has_credentials(request):
            return too_large_response(request, anonymous_limit)
        return self.get_response(request)


def has_credentials(request) -> bool:
    """Whether the request carries an API key or a signed-in session (issue 17, finding 8).

    Someone nobody knows may send at most ANONYMOUS_MAX_BODY_BYTES: a 40 MB "sign-in" is
    refused from its Content-Length, unread. A key is checked later by the API (which has its
    own limits); a session cookie is looked up here, so that a made-up one does not pass.
    """
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return False
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        return bool(store.get("_auth_user_id"))
    except Exception:  # an unreadable session is no session  # noqa: BLE001
        return False


def declared_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


# --- The request's transaction ---------------------------------------------------------------


def outside_request_transaction(view):
    """Mark a view that reads no tenant table: it runs with no transaction and no context."""
    view.outside_request_transaction = True
    return view


def _outside(request) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return getattr(match.func, "outside_request_transaction", False)


class RowLevelSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not rls.enabled() or _outside(request):
            return self.get_response(request)
        with ExitStack() as stack:
            _open_primary(stack)
            stack.enter_context(db_router.reading_from(_open_replica(request, stack)))
            rls.state_request_actor(request)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            streams = response.streaming and not isinstance(response, FileResponse)
            context = rls.current() if streams else None
        db_router.note_write(request, response)
        if context is not None and not response.is_async:
            response.streaming_content = rls.stream_in_context(context, response.streaming_content)
        return response


def _open_primary(stack: ExitStack) -> None:
    """Open the request's transaction on the primary, waiting out a short restart.

    Only opening the connection is tried again (nothing has been sent yet, so any method may
    wait): a primary that restarts in under DATABASE_CONNECT_RETRY_SECONDS costs the requests
    in flight at that moment, not the ones that arrive while it comes back (the fault drill).
    """
    deadline = time.monotonic() + settings.DATABASE_CONNECT_RETRY_SECONDS
    while True:
        try:
            stack.enter_context(rls.scope())
            return
        except OperationalError:
            if time.monotonic() >= deadline:
                raise
            connections[DEFAULT_DB_ALIAS].close()
            time.sleep(0.2)


def _open_replica(request, stack: ExitStack) -> str | None:
    """The read replica this request reads from, its transaction opened; None: the primary.

    A replica that cannot be reached is skipped for a while (registry.db_router.mark_down) and
    the request reads from the primary, so stopping a replica costs no request.
    """
    alias = db_router.replica_for(request)
    if alias is None:
        return None
    try:
        stack.enter_context(rls.scope(alias))
    except DatabaseError:
        db_router.mark_down(alias)
        return None
    return alias


# --- Private answers are never kept by shared caches (issue 17, finding 7) -----------------------


class PrivateCacheMiddleware:
    """Every answer to a signed-in session or an API key is private: `Cache-Control: private`,
    with `no-store` on pages (nothing of a signed-in page stays on a shared computer's disk) and
    `no-cache` on the API (a client may keep it, but asks again; ETags still answer 304).

    One rule for every page and endpoint, so a new private page cannot forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_private(request):
            response.headers.pop("Expires", None)
            if is_api_request(request):
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, private=True, no_store=True)
        return response


def is_private(request) -> bool:
    """Answered for someone: a signed-in user (session, or the API key DRF authenticated,
    which sets the request's user) or a request that presented credentials."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    return bool(request.META.get("HTTP_AUTHORIZATION"))
