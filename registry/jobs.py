"""Long work outside the request (issue 19): jobs on Celery, their truth in `registry.models.Job`.

* `start(kind, owner, ...)` writes the job's row and, once the caller's transaction commits,
  sends `run_job(job_id)` to the queue (or runs it at once when there is no broker: the quick
  start's `CELERY_TASK_ALWAYS_EAGER`).
* `run_job` claims the row under its lock (`claim`): a queued job becomes running once, so a
  message delivered twice does the work once. The handler's work and the job's success are one
  transaction, so a worker that dies mid-job leaves nothing half done; the message, acknowledged
  late, is delivered again and the job is claimed again once its row has been still for
  `JOB_STALE_SECONDS`. Lost connections are retried with exponential backoff.
* Progress is written on a connection of its own, so that the owner sees it move while the
  work's transaction is still open.
* The apps register their handlers by kind (`register`); registry knows no app.
* A job runs in the language of the request that started it, so the messages in its result
  (an import's errors, say) are in the words of the person who reads them.
* `send_message(subject, body, html, to, from_email)` sends one mail with Django's mail, retried
  with backoff; `enqueue_message` sends it after the caller's transaction commits.

Only a job's owner reads it: `owned_by(user)` in the application, the `registry_job` policy of
registry/migrations/0004_jobs.py in the database.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone, translation

from registry import rls
from registry.errors import DomainError
from registry.models import Job
from registry.tenancy import ALL_SCOPES, Actor

logger = logging.getLogger(__name__)

# Errors worth another try later: the database or the mail server was away.
TRANSIENT = (OperationalError, InterfaceError)
MAIL_TRANSIENT = (smtplib.SMTPException, OSError)
MAX_RETRIES = 8
# Deliveries (mail, webhooks) are retried for about a day: 2 s, 4 s, ... then every 30 minutes.
# A retry waits in the broker, unacknowledged: a wait longer than Redis's visibility timeout
# (CELERY_VISIBILITY_TIMEOUT) would have Redis hand the message to another worker as well, and
# every copy would start a chain of retries of its own. So no wait reaches half of it.
DELIVERY_RETRIES = 57
DELIVERY_BACKOFF_CAP = 30 * 60
# Seconds between two progress writes at most (each is one UPDATE on its own connection).
PROGRESS_EVERY_SECONDS = 0.5


class JobFailed(Exception):
    """A handler's way to end its job as failed, with a message and perhaps a result (a report)."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.message = message
        self.result = result


Handler = Callable[[Job, Actor, Callable[[int, int | None], None]], dict]
HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """`handler(job, actor, progress)` does the job's work as `actor` and returns its result."""
    HANDLERS[kind] = handler


def owned_by(user) -> object:
    """The jobs `user` may read: their own."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(owner=user)


def eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


# --- Starting -----------------------------------------------------------------------------------


def start(
    kind: str,
    actor: Actor,
    *,
    organization=None,
    params: dict | None = None,
    total: int | None = None,
) -> Job:
    """Write a queued job for `actor` (its owner) and queue it once this transaction commits.

    The actor's narrowing (an API key's organization and scopes) travels with the job, so the
    worker acts with no more rights than the request had.
    """
    if kind not in HANDLERS:
        raise LookupError(f"no handler registered for jobs of kind {kind!r}")
    params = dict(params or {})
    # The job speaks to its owner in the language of the request that started it.
    params.setdefault("language", translation.get_language())
    params["actor"] = {
        "scopes": sorted(actor.scopes),
        "organization_id": _key_organization(actor),
    }
    job = Job.objects.create(
        owner=actor.user,
        organization=organization,
        kind=kind,
        params=params,
        progress_total=total,
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _language(job: Job) -> str:
    """The language the job's messages are written in: its request's, else the site's."""
    return (job.params or {}).get("language") or settings.LANGUAGE_CODE


def _key_organization(actor: Actor) -> int | None:
    """The one organization an API key acts for (None: the user's every membership)."""
    if actor.api_key_id is None:
        return None
    return next(iter(actor.org_ids), None)


def _enqueue(job_id: int) -> None:
    try:
        run_job.delay(job_id)
    except Exception:  # the broker is away: the job stays queued and is logged, not lost
        logger.exception("could not queue job %s; it stays queued", job_id)


def actor_of(job: Job) -> Actor:
    """The actor the job acts as: its owner, narrowed as the request that started it was."""
    narrowing = (job.params or {}).get("actor") or {}
    return Actor.for_user(
        job.owner,
        organization_id=narrowing.get("organization_id"),
        scopes=frozenset(narrowing.get("scopes") or ALL_SCOPES),
    )


# --- Running ------------------------------------------------------------------------------------


def claim(job_id: int, token: str) -> Job | None:
    """Take the job for the run named `token` (a Celery task id), or None when another run has it
    or it is finished. Under the row's lock, so two deliveries of one message cannot both win."""
    with rls.system_context("a worker claims a job"), transaction.atomic():
        job = Job.objects.select_for_update().select_related("owner").filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if job.state == Job.State.RUNNING and job.claim != token:
            stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
            if job.updated_at > stale:
                return None  # another worker is at it
            logger.warning("job %s was left running by a lost worker; running it again", job_id)
        job.state = Job.State.RUNNING
        job.claim = token
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["state", "claim", "attempts", "started_at", "updated_at"])
        return job


class _ProgressWriter:
    """Writes a job's progress where its owner sees it at once, whatever transaction is open.

    On PostgreSQL inside a transaction, on a connection of its own (autocommit, system context);
    otherwise through the ORM. Writes at most every PROGRESS_EVERY_SECONDS.
    """

    def __init__(self, job: Job, using: str = DEFAULT_DB_ALIAS):
        self.job = job
        self.using = using
        self._raw = None
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        self.job.progress_done = done
        if total is not None:
            self.job.progress_total = total
        connection = connections[self.using]
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            self._write_aside(done, total)
            return
        with rls.system_context("a job reports its progress"):
            Job.objects.filter(pk=self.job.pk).update(
                progress_done=done,
                progress_total=self.job.progress_total,
                updated_at=timezone.now(),
            )

    def _write_aside(self, done: int, total: int | None) -> None:
        try:
            if self._raw is None:
                connection = connections[self.using]
                self._raw = connection.get_new_connection(connection.get_connection_params())
                self._raw.autocommit = True
                self._raw.execute("SELECT set_config('registry.system', 'on', false)")
            self._raw.execute(
                "UPDATE registry_job SET progress_done = %s, "
                "progress_total = coalesce(%s, progress_total), updated_at = now() WHERE id = %s",
                [done, total, self.job.pk],
            )
        except Exception:  # progress is a courtesy; the work goes on without it
            logger.warning("could not write the progress of job %s", self.job.pk, exc_info=True)

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


def _finish(job: Job, state: str, *, result=None, error: str = "") -> None:
    with rls.system_context("a worker records how its job ended"):
        job.state = state
        job.result = result
        job.error = error
        job.finished_at = timezone.now()
        if state == Job.State.SUCCEEDED and job.progress_total is not None:
            job.progress_done = job.progress_total
        job.save(
            update_fields=[
                "state",
                "result",
                "error",
                "finished_at",
                "progress_done",
                "progress_total",
                "updated_at",
            ]
        )


def execute(job_id: int, token: str) -> Job | None:
    """Claim and run one job (the task's body, callable without Celery). Returns the job as it
    ended, or None when there was nothing to do (finished, or another run holds it)."""
    job = claim(job_id, token)
    if job is None:
        return None
    handler = HANDLERS[job.kind]
    progress = _ProgressWriter(job)
    try:
        with rls.system_context("a worker finds the job's owner and their memberships"):
            actor = actor_of(job)
        # The work and the job's success are one transaction: all of it, or none of it.
        with rls.acting(rls.for_actor(actor)), translation.override(_language(job)):
            result = handler(job, actor, progress)
            _finish(job, Job.State.SUCCEEDED, result=result)
    except TRANSIENT:
        raise  # the task retries; the claim is kept for its retries
    except JobFailed as failure:
        _finish(job, Job.State.FAILED, result=failure.result, error=failure.message)
    except DomainError as refusal:
        _finish(job, Job.State.FAILED, error=str(refusal.message))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.State.FAILED, error="The job failed unexpectedly; it was logged.")
    finally:
        progress.close()
    return job


@shared_task(bind=True, name="registry.jobs.run_job", max_retries=MAX_RETRIES)
def run_job(self, job_id: int) -> None:
    """Run job `job_id` once; a lost database connection is retried with exponential backoff."""
    token = self.request.id or f"local-{job_id}"
    try:
        execute(job_id, token)
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            with rls.system_context("a worker gives up on a job"):
                job = Job.objects.filter(pk=job_id).first()
                if job is not None:
                    _finish(job, Job.State.FAILED, error="The database stayed unreachable.")
            raise
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from error


def backoff(retries: int, *, base: int = 2, cap: int = 600) -> int:
    """Seconds before retry number `retries + 1`: 2, 4, 8, ... up to `cap`."""
    return min(cap, base ** (retries + 1))


def delivery_backoff(retries: int) -> int:
    """The wait before a delivery's next try: `backoff` up to DELIVERY_BACKOFF_CAP, and never as
    long as half the broker's visibility timeout (see DELIVERY_RETRIES)."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    return backoff(retries, cap=max(1, min(DELIVERY_BACKOFF_CAP, visibility // 2)))


# --- Mail ---------------------------------------------------------------------------------------


@shared_task(bind=True, name="registry.jobs.send_message", max_retries=DELIVERY_RETRIES)
def send_message(self, subject, body, html, to, from_email):
    """Send one mail with Django's mail (the SMTP server of the settings), retried with backoff
    for about a day when the server is away."""
    try:
        deliver_now(subject, body, html, to, from_email)
    except MAIL_TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=error, countdown=delivery_backoff(self.request.retries)) from error


def deliver_now(subject, body, html, to, from_email) -> None:
    """One mail, now, through Django's mail backend."""
    message = EmailMultiAlternatives(subject, body, from_email, list(to))
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def enqueue_message(subject: str, body: str, to, *, html: str = "", from_email=None) -> None:
    """Send a mail once the caller's transaction commits (a rolled-back action sends nothing),
    outside the request when a worker runs. A failure is logged, never raised: the action has
    committed."""
    to = list(to)
    from_email = from_email or settings.DEFAULT_FROM_EMAIL
    if not to:
        return

    def send():
        try:
            if eager():  # no worker: send in-process, once (as before issue 19)
                deliver_now(subject, body, html, to, from_email)
            else:
                send_message.delay(subject, body, html, to, from_email)
        except Exception:
            logger.exception("could not send the mail %r to %s", subject, to)

    transaction.on_commit(send)
