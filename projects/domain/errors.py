"""What the record services and the workflow refuse with, beyond the tenant boundary's refusals.

Each is a `registry.errors.DomainError` carrying its status and code, so every face maps it by
class. Field errors are Django's `ValidationError` (400).
"""

from django.utils.translation import gettext_lazy as _

from registry.errors import Conflict, DomainError
from registry.multilingual import lazy_format


class InvalidTransition(Conflict):
    """The action is not possible from the record's state (409)."""

    code = "invalid_transition"


class RecordLocked(Conflict):
    """The record is under review (or closed) and cannot be edited now (409)."""

    code = "record_locked"


class StaleVersion(DomainError):
    """The caller edited an old version of the record; nothing was changed (412)."""

    status = 412
    code = "stale_version"

    def __init__(self, current_version: int):
        super().__init__(
            lazy_format(
                _("The record has changed since you loaded it: it is now at version %(version)s."),
                version=current_version,
            )
        )
        self.current_version = current_version

    def extra(self) -> dict:
        return {"current_version": self.current_version}
