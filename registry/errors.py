"""The one base of every refusal the domain raises: a status, a code and a message.

The boundary (`registry.tenancy`), the record services, the workflow and the accounts services
raise subclasses of `DomainError`; every face maps them by class alone: the API's exception
handler answers `{"detail": message, "code": code}` with `status`, the pages show the message
on their error page. So a new refusal needs no change in any face.

Field errors stay Django's `ValidationError` (400, with the errors by field).
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a message to show to the caller. Subclasses set `status` and `code`."""

    status: int = 400
    code: str = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def extra(self) -> dict:
        """More members of the error body, beside detail and code (none by default)."""
        return {}


class Conflict(DomainError):
    """The object's state does not allow this now (409)."""

    status = 409
    code = "conflict"
