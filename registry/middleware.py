"""Each request runs in one transaction that first tells the database who is asking (issue 10).

The ORM's boundary (registry.tenancy) scopes every query; row-level security (registry.rls) is
the database's second line, and it needs to know the asker. So the request's database work runs
in one transaction that starts by stating the actor with transaction-local settings:

* here, after authentication, for the session's user (or nobody);
* again in the API views once an API key has authenticated (registry.api.base), since DRF
  authenticates inside the view;
* a streaming response's content is produced later, after this transaction: it runs in a
  transaction of its own with the same context (`rls.stream_in_context`).

A response of 500 or more rolls the transaction back, as Django's ATOMIC_REQUESTS would. Views
that read no table (the health probes) are marked `outside_request_transaction`: the liveness
probe must answer while the database is down, the readiness probe reports it. SQLite has no
row-level security; requests there run as before, without the transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse
from django.urls import Resolver404, resolve

from registry import rls
from registry.tenancy import actor_for_request


def set_request_context(request) -> None:
    """State the request's actor to the database for the rest of the current transaction.

    In two steps: the user's id alone first, which lets the memberships policy show the user
    their own memberships, from which the actor is computed; then the whole actor.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        rls.apply(rls.Context(user_id=user.pk))
    rls.apply(rls.for_actor(actor_for_request(request)))


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
        with rls.scope():
            set_request_context(request)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            streams = response.streaming and not isinstance(response, FileResponse)
            context = rls.current() if streams else None
        if context is not None and not response.is_async:
            response.streaming_content = rls.stream_in_context(context, response.streaming_content)
        return response
