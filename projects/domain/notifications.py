"""Email to whoever must act next (SPEC 5): sent after the transaction commits, never before.

Recipients are chosen while the action's transaction is open (they see the same data as the
action), the mail goes out in `transaction.on_commit`, so a rolled-back action sends nothing.
A failing mail server is logged and does not undo an action that has already committed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from accounts.models import MembershipRole, PlatformRole, User
from registry import jobs, rls

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Silk Road Registry] "


def _emails(users) -> list[str]:
    return sorted({user.email for user in users if user.email})


def organization_admins(organization_id: int, *, exclude_user=None) -> list[User]:
    """The organization's active admins.

    The actor may not read that organization's memberships (a reviewer archiving, an editor
    naming another organization as participant): recipients are found in the system context.
    """
    users = User.objects.filter(
        is_active=True,
        memberships__organization_id=organization_id,
        memberships__role=MembershipRole.ADMIN,
    )
    if exclude_user is not None:
        users = users.exclude(pk=exclude_user.pk)
    with rls.system_context("the recipients of a notification"):
        return list(users)


def admin_emails(organization_id: int) -> list[str]:
    return _emails(organization_admins(organization_id))


def reviewers():
    return User.objects.filter(is_active=True, platform_role=PlatformRole.REVIEWER)


def _send_after_commit(recipients: list[str], subject: str, body: str) -> None:
    """After commit, the task `registry.jobs.send_message` sends it outside the request (retried
    with backoff by the worker); without a worker, in-process. A mail outage never turns the
    committed action into a 500."""
    jobs.enqueue_message(SUBJECT_PREFIX + subject, body, recipients)


def _describe(record) -> str:
    kind = type(record).__name__.lower()
    return f"the {kind} {record.identifier} ({record.display_title})"


def signoff_needed(record, submitter) -> None:
    _send_after_commit(
        _emails(organization_admins(record.organization_id, exclude_user=submitter)),
        f"{record.identifier} waits for your sign-off",
        f"{submitter.username} submitted {_describe(record)}. As an admin of "
        f"{record.organization.slug} please sign it off, or withdraw it.",
    )


def review_needed(record) -> None:
    _send_after_commit(
        _emails(reviewers()),
        f"{record.identifier} waits for review",
        f"{_describe(record)} of {record.organization.slug} was submitted for publication. "
        "Please approve it, request changes or reject it.",
    )


DECISIONS = {
    "approve": "was approved and is published",
    "request_changes": "needs changes before it can be published",
    "reject": "was rejected",
    "archive": "was archived",
}


def decision_made(record, action: str, submitter, actor_user, comment: str) -> None:
    """Tell the submitter of the round (and, on archive, the admins) what was decided."""
    recipients = [submitter] if submitter is not None else []
    if action == "archive":
        recipients += list(organization_admins(record.organization_id))
    recipients = [user for user in recipients if actor_user is None or user.pk != actor_user.pk]
    body = f"{_describe(record)} {DECISIONS[action]}."
    if comment:
        body += f"\n\nComment: {comment}"
    _send_after_commit(_emails(recipients), f"{record.identifier} {DECISIONS[action]}", body)


def participation_requested(participation) -> None:
    project = participation.project
    _send_after_commit(
        _emails(organization_admins(participation.participant_id)),
        f"{project.organization.slug} names you as {participation.role} of {project.identifier}",
        f"{project.organization.slug} lists your organization ({participation.participant.slug}) "
        f"as {participation.role} of {_describe(project)}. Please confirm or decline; until you "
        "confirm, the participation shows as unconfirmed.",
    )


def participation_answered(participation, project) -> None:
    answer = "confirmed" if participation.is_confirmed else "declined"
    _send_after_commit(
        _emails([participation.requested_by]),
        f"{participation.participant.slug} {answer} taking part in {project.identifier}",
        f"{participation.participant.slug} {answer} taking part as {participation.role} "
        f"in {_describe(project)}.",
    )


REMINDER_HEADINGS = {
    "stale_soon": "Turn stale within a month unless you confirm them:",
    "stale": "Stale (not confirmed for over 12 months):",
    "inactive": "Inactive (not confirmed for over 24 months):",
}


def freshness_reminder(organization, due: dict[str, list], recipients: list[str]) -> None:
    """Remind an organization's admins of published records that are, or soon are, stale.

    Unlike the workflow mails this one is sent at once, inside the caller's transaction: the
    reminders are recorded in that transaction too, so a failing mail server rolls them back
    and the next run tries again instead of believing the admins were told.
    """
    lines = [
        f"Published records of {organization.slug} need confirming that they are still current.",
        "An editor or admin confirms each one with the 'reconfirm' action "
        "(POST /api/v1/{type}/{identifier}/reconfirm/); nothing else changes.",
    ]
    for threshold, heading in REMINDER_HEADINGS.items():
        if due.get(threshold):
            lines += ["", heading]
            lines += [
                f"- {_describe(record)}, last confirmed {record.confirmed_at:%Y-%m-%d}"
                for record in due[threshold]
            ]
    count = sum(len(records) for records in due.values())
    send_mail(
        SUBJECT_PREFIX + f"{count} record(s) of {organization.slug} need confirming",
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
