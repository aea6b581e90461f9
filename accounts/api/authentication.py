"""`Authorization: Bearer <key>` authentication (SPEC 6).

A valid key authenticates its user and sets `request.api_key`, which makes
`registry.tenancy.actor_for_request` narrow the actor to the key's organization and scopes.
A request with no Bearer header falls through to the session; a bad key is a 401, never a quiet
fall back to anonymous.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import keys

BEARER = "bearer"


class BearerKeyAuthentication(authentication.BaseAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != BEARER.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the key as 'Authorization: Bearer <key>', with no spaces inside the key."
            )
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is malformed.") from None
        try:
            key = keys.authenticate(raw_key)
        except keys.InvalidKey as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        # Both the DRF request and the Django request carry the key, so that every caller of
        # actor_for_request sees the narrowed actor.
        request._request.api_key = key
        request.api_key = key
        return key.user, key

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
