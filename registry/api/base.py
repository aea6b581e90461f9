"""What every API view shares: the actor, strict query parameters, JSON object bodies."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.exceptions import ValidationError

from registry import rls
from registry.tenancy import Actor, actor_for_request

# Query parameters every list understands besides its filters.
COMMON_PARAMS = frozenset({"format", "page_size", "cursor"})


class RegistryViewMixin:
    """Mixed into every API view (APIView or viewset)."""

    # Extra query parameters this view understands (beyond its filterset's and COMMON_PARAMS).
    extra_query_params: frozenset[str] = frozenset()

    @property
    def actor(self) -> Actor:
        return actor_for_request(self.request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request, "api_key", None) is not None:
            # The key authenticated just now, inside the view: tell the database (registry.rls).
            rls.state_request_actor(request)
        # A method the route does not take is a 405 whatever its query string says.
        if getattr(self, request.method.lower(), None) is None:
            raise exceptions.MethodNotAllowed(request.method)
        self.check_query_params(request)

    def known_query_params(self) -> set[str]:
        known = set(COMMON_PARAMS) | set(self.extra_query_params)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and self.request.method == "GET":
            known |= set(filterset_class.base_filters)
        return known

    def check_query_params(self, request) -> None:
        """A misspelt filter would silently return everything: refuse unknown parameters."""
        unknown = sorted(set(request.query_params) - self.known_query_params())
        if unknown:
            known = ", ".join(sorted(self.known_query_params()))
            raise ValidationError(
                {
                    name: [f"Unknown query parameter; this endpoint understands: {known}."]
                    for name in unknown
                }
            )

    def require_authenticated(self) -> None:
        if not self.actor.is_authenticated:
            raise exceptions.NotAuthenticated("Sign in or send an API key to use this endpoint.")


def json_object(data) -> dict:
    """The request body as an object, else a 400 (a list or a bare value is not a record)."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["The request body must be a JSON object."]})
    return data
