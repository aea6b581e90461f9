"""`Authorization: Bearer <key>` authentication (SPEC 6).

A valid key authenticates its user and sets `request.api_key`, which makes
`registry.tenancy.actor_for_request` narrow the actor to the key's organization and scopes.
A request with no Bearer header falls through to the session; a bad key is a 401, never a quiet
fall back to anonymous.

Guessing keys is bounded: every refused key counts against the client's address, and an address
with LOCKOUT_FAILURES refusals within LOCKOUT_MINUTES gets 429 (with Retry-After) for any Bearer
request until the lockout ends (accounts.domain.security keeps the counts and logs the events).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.domain import keys, security

BEARER = "bearer"
LOCKED_OUT = (
    "Too many refused API keys from your address: API keys are not accepted from it for now."
)


class KeyLockout(exceptions.Throttled):
    default_code = "locked_out"


class BearerKeyAuthentication(authentication.BaseAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != BEARER.encode():
            return None
        remaining = security.key_lockout_remaining(request)
        if remaining:
            raise KeyLockout(wait=remaining, detail=LOCKED_OUT)
        try:
            key = keys.authenticate(self.raw_key(header))
        except keys.InvalidKey as exc:
            self.refuse(request, str(exc))
        # Both the DRF request and the Django request carry the key, so that every caller of
        # actor_for_request sees the narrowed actor.
        request._request.api_key = key
        request.api_key = key
        return key.user, key

    @staticmethod
    def raw_key(header: list[bytes]) -> str:
        if len(header) != 2:
            raise keys.InvalidKey(
                "Give the key as 'Authorization: Bearer <key>', with no spaces inside the key."
            )
        try:
            return header[1].decode("ascii")
        except UnicodeDecodeError:
            raise keys.InvalidKey("The API key is malformed.") from None

    @staticmethod
    def refuse(request, reason: str):
        """401 for this refused key, or 429 if it was the one that locked the address out."""
        locked_for = security.note_key_failure(request._request, reason)
        if locked_for:
            raise KeyLockout(wait=locked_for, detail=LOCKED_OUT)
        raise exceptions.AuthenticationFailed(reason)

    def authenticate_header(self, request):
        return f'Bearer realm="{self.www_authenticate_realm}"'


class BearerKeyScheme(OpenApiAuthenticationExtension):
    """The `Authorization: Bearer <key>` scheme above, in the OpenAPI document."""

    target_class = "accounts.api.authentication.BearerKeyAuthentication"
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (srr_<prefix>_<secret>), created with "
            "POST /api/v1/api-keys/ or manage.py create_api_key.",
        }
