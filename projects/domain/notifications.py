"""Email to whoever must act next (SPEC 5): sent after the transaction commits, never before.

Recipients are chosen while the action's transaction is open (they see the same data as the
action), the mail goes out in `transaction.on_commit`, so a rolled-back action sends nothing.
A failing mail server is logged and does not undo an action that has already committed.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import MembershipRole, PlatformRole, User
from registry import mail, rls

logger = logging.getLogger(__name__)


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


def admins_with_email(organization_id: int) -> list[User]:
    """The admins a reminder goes to, each in their own language (registry.mail)."""
    return [user for user in organization_admins(organization_id) if user.email]


def reviewers():
    return User.objects.filter(is_active=True, platform_role=PlatformRole.REVIEWER)


def _send_after_commit(name: str, recipients, context: dict) -> None:
    """Send template `name` (registry.mail) once the action's transaction has committed."""
    recipients = [user for user in recipients if user.email]
    if not recipients:
        return

    def send():
        try:
            mail.send_templated(name, recipients, context)
        except Exception:  # the action has committed; a mail outage must not turn it into a 500
            logger.exception("could not send the notification %r to %s", name, _emails(recipients))

    transaction.on_commit(send)


def signoff_needed(record, submitter) -> None:
    _send_after_commit(
        "signoff_needed",
        organization_admins(record.organization_id, exclude_user=submitter),
        {"record": record, "submitter": submitter},
    )


def review_needed(record) -> None:
    _send_after_commit("review_needed", list(reviewers()), {"record": record})


DECISIONS = ("approve", "request_changes", "reject", "archive")


def decision_made(record, action: str, submitter, actor_user, comment: str) -> None:
    """Tell the submitter of the round (and, on archive, the admins) what was decided."""
    if action not in DECISIONS:
        raise ValueError(f"no decision mail for {action!r}")
    recipients = [submitter] if submitter is not None else []
    if action == "archive":
        recipients += list(organization_admins(record.organization_id))
    recipients = [user for user in recipients if actor_user is None or user.pk != actor_user.pk]
    context = {"record": record, "action": action, "comment": comment}
    _send_after_commit("decision_made", recipients, context)


def participation_requested(participation) -> None:
    _send_after_commit(
        "participation_requested",
        organization_admins(participation.participant_id),
        {"participation": participation, "project": participation.project},
    )


def participation_answered(participation, project) -> None:
    _send_after_commit(
        "participation_answered",
        [participation.requested_by],
        {"participation": participation, "project": project},
    )


def freshness_reminder(organization, due: dict[str, list], recipients) -> None:
    """Remind an organization's admins of published records that are, or soon are, stale.

    Unlike the workflow mails this one is sent at once, inside the caller's transaction: the
    reminders are recorded in that transaction too, so a failing mail server rolls them back
    and the next run tries again instead of believing the admins were told.
    """
    count = sum(len(records) for records in due.values())
    context = {"organization": organization, "count": count, **due}
    mail.send_templated("freshness_reminder", recipients, context)
