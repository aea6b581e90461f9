"""Throttling per API key, per signed-in user and per anonymous address (SPEC 6).

Counts live in Django's cache: local memory on one machine, Redis when REDIS_URL is set, so that
several app servers share them. Rates come from `settings.API_THROTTLE_RATES`, read on every
request so that tests (and operators) can change them.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from registry.client import client_address


class RegistryRateThrottle(SimpleRateThrottle):
    """One bucket per key, else per user, else per client address."""

    cache_format = "throttle:%(scope)s:%(ident)s"

    def __init__(self):
        # The rate depends on who asks; it is settled in allow_request.
        pass

    def _scope_and_ident(self, request) -> tuple[str, str]:
        api_key = getattr(request, "api_key", None)
        if api_key is not None:
            return "key", str(api_key.pk)
        if request.user and request.user.is_authenticated:
            return "user", str(request.user.pk)
        return "anon", self.get_ident(request)

    def allow_request(self, request, view):
        self.scope, self.ident = self._scope_and_ident(request)
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request):
        return client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
