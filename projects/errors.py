"""What the record services and the workflow refuse with, beyond the tenant boundary's errors.

The faces map them to HTTP statuses (SPEC 6): `registry.tenancy.NotVisible` 404,
`registry.tenancy.NotAllowed` 403, `django.core.exceptions.ValidationError` 400 (field errors),
`InvalidTransition`, `ConcurrentUpdate` and `RecordLocked` 409, `StaleVersion` 412.
"""


class WorkflowError(Exception):
    """A refusal with a reason to show to the caller."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InvalidTransition(WorkflowError):
    """The action is not possible from the record's state, or a four-eyes rule forbids it (409)."""


class ConcurrentUpdate(WorkflowError):
    """Another action changed the record at the same moment and won the race (409)."""


class RecordLocked(WorkflowError):
    """The record is under review (or closed) and cannot be edited now (409)."""


class StaleVersion(Exception):
    """The caller edited an old version of the record; nothing was changed (412)."""

    def __init__(self, current_version: int):
        super().__init__(
            f"The record has changed since you loaded it: it is now at version {current_version}."
        )
        self.current_version = current_version
