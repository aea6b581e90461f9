"""The fail-closed base for tenant-owned tables.

Every tenant-owned model subclasses `TenantOwned`. Its default manager hands out querysets that
refuse to run until they were scoped: `registry.tenancy.visible(actor, Model)` scopes them to what
an actor may see, and `Model.objects.unscoped("why")` is the explicit, greppable escape hatch for
system code (the workflow service after its own access check, migrations, seeding).

A forgotten scope therefore raises `UnscopedQuery` instead of quietly returning every
organization's rows.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models

_system_access_reason: ContextVar[str | None] = ContextVar("system_access_reason", default=None)


@contextmanager
def system_access(reason: str):
    """Let the code inside run unscoped tenant queries (uniqueness checks, fixtures, seeding)."""
    if not reason or not reason.strip():
        raise ValueError("system_access() needs a reason, so that every bypass is explained")
    token = _system_access_reason.set(reason)
    try:
        yield
    finally:
        _system_access_reason.reset(token)


class UnscopedQuery(RuntimeError):
    """A tenant-owned queryset was evaluated without being scoped to an actor."""


class TenantQuerySet(models.QuerySet):
    _tenant_scoped = False

    def _clone(self):
        clone = super()._clone()
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def _mark_scoped(self):
        clone = self._chain()
        clone._tenant_scoped = True
        return clone

    def _require_scope(self):
        if not self._tenant_scoped and _system_access_reason.get() is None:
            raise UnscopedQuery(
                f"{self.model._meta.label} is tenant-owned: scope the query with "
                f"registry.tenancy.visible(actor, {self.model.__name__}) or, in system code, "
                f"{self.model.__name__}.objects.unscoped(reason)."
            )

    # Every way a queryset reaches the database passes one of these.
    def _fetch_all(self):
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()

    def iterator(self, *args, **kwargs):
        self._require_scope()
        return super().iterator(*args, **kwargs)

    def count(self):
        if self._result_cache is None:
            self._require_scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._require_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._require_scope()
        return super().update(**kwargs)

    def delete(self):
        self._require_scope()
        return super().delete()

    def in_bulk(self, *args, **kwargs):
        self._require_scope()
        return super().in_bulk(*args, **kwargs)

    def explain(self, *args, **kwargs):
        self._require_scope()
        return super().explain(*args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    def unscoped(self, reason: str) -> TenantQuerySet:
        """All rows, for system code that has already decided access itself. Say why."""
        if not reason or not reason.strip():
            raise ValueError("unscoped() needs a reason, so that every bypass is explained")
        return self.get_queryset()._mark_scoped()


class TenantOwned(models.Model):
    """A row that belongs to exactly one organization.

    Subclasses keep `organization` in every unique constraint, so that the tables can later be
    distributed by organization (SPEC 9); their other indexes serve the public sort orders and the
    foreign keys without leading with it. tests/test_model_walk.py checks both.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )

    objects = TenantManager()
    # Django's internals (related-object access, deletion) use the plain base manager.
    all_rows_for_internal_use = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_rows_for_internal_use"

    # Django's uniqueness and constraint checks query the default manager; they compare the row
    # with its peers and return no data, so they may look across organizations.
    def validate_unique(self, exclude=None):
        with system_access("model uniqueness validation"):
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude=None):
        with system_access("model constraint validation"):
            super().validate_constraints(exclude=exclude)


class Job(models.Model):
    """A piece of long work (an import, an export, a delivery) and what became of it (issue 19).

    Celery carries the message; this row is the truth: its state, progress and result, read by
    its owner alone (`registry.jobs.owned_by`; the row-level-security policy of
    registry/migrations/0004_jobs.py holds the same line). A job is claimed once under its row
    lock (`registry.jobs.claim`), so a message delivered twice does the work once.
    """

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The organization the job acts for (an import's), when there is one. Its column is not
    # named organization_id: a job is not an organization's row but its owner's (the tenant-owned
    # tables are those with an organization_id, tests/registry/rls/test_rls_walk.py).
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        db_column="acting_for_id",
    )
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task id that holds the claim (its retries keep it).
    claim = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="registry_job_owner"),
            models.Index(fields=["organization"], name="registry_job_organization"),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.finished else None
        return min(100, round(100 * self.progress_done / self.progress_total))
