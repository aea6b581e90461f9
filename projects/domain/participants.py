"""Participants of a project (SPEC 4): organizations taking part, each with a role.

The owner's own participation is confirmed at once. Another organization's waits for that
organization's admins (their inbox, `participation_inbox`) and shows as unconfirmed until they
confirm or decline it. Participation is not content: it is not part of a pending revision.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from projects.choices import ParticipantRole, ParticipationStatus
from projects.domain import audit, notifications, refusals
from projects.domain import rls_copies as visibility_copies
from projects.domain.boundary import access_record_for_change
from projects.domain.errors import InvalidTransition
from projects.models import Participation, Project
from registry.multilingual import lazy_format
from registry.tenancy import Actor, NotVisible, require, visible

ALREADY_ANSWERED = {
    ParticipationStatus.CONFIRMED: _("This participation was already confirmed."),
    ParticipationStatus.DECLINED: _("This participation was already declined."),
}


def add_participant(
    actor: Actor, project: Project, organization: Organization, role: str
) -> Participation:
    """Name an organization as a participant. Another organization must confirm it."""
    if role not in ParticipantRole.values:
        raise ValidationError(
            {
                "role": [
                    lazy_format(
                        _("%(role)r is not a participant role; use %(roles)s."),
                        role=role,
                        roles=", ".join(ParticipantRole),
                    )
                ]
            }
        )
    refused = refusals.recorded(actor, "add_participant", Project, project.identifier)
    with refused, transaction.atomic():
        locked = access_record_for_change(actor, project, "manage_participants")
        if not organization.is_active:
            raise ValidationError({"organization": [_("This organization is not active.")]})
        own = organization.pk == locked.organization_id
        earlier = visible(actor, Participation).filter(
            project=locked, participant=organization, role=role
        )
        if earlier.exclude(status=ParticipationStatus.DECLINED).exists():
            raise ValidationError(
                {
                    "organization": [
                        lazy_format(
                            _("%(organization)s already takes part as %(role)s."),
                            organization=organization.display_name,
                            role=ParticipantRole(role).label,
                        )
                    ]
                }
            )
        # A declined request may be made again; the audit log keeps the earlier answer.
        earlier.delete()
        participation = Participation.objects.create(
            organization_id=locked.organization_id,
            project=locked,
            participant=organization,
            role=role,
            status=ParticipationStatus.CONFIRMED if own else ParticipationStatus.PENDING,
            requested_by=actor.user,
            responded_by=actor.user if own else None,
            responded_at=timezone.now() if own else None,
            **visibility_copies.participation_copies(locked),
        )
        visibility_copies.refresh_shared_with(locked)
        audit.record(
            actor,
            "add_participant",
            locked,
            comment=f"{organization.slug} as {role}"
            + ("" if own else " (awaiting its confirmation)"),
        )
        if not own:
            notifications.participation_requested(participation)
    return participation


def respond_participation(
    actor: Actor, participation: Participation, accept: bool
) -> Participation:
    """The participant organization's admin confirms or declines taking part."""
    with transaction.atomic():
        locked = visible(actor, Participation).select_for_update().filter(pk=participation.pk)
        locked = locked.first()
        if locked is None:
            raise NotVisible()
        require(actor, "respond", locked)
        if locked.status != ParticipationStatus.PENDING:
            raise InvalidTransition(ALREADY_ANSWERED[locked.status])
        locked.status = ParticipationStatus.CONFIRMED if accept else ParticipationStatus.DECLINED
        locked.responded_by = actor.user
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "responded_by", "responded_at"])
        project = Project.objects.unscoped("the project of a visible participation").get(
            pk=locked.project_id
        )
        audit.record(
            actor,
            "confirm_participation" if accept else "decline_participation",
            project,
            comment=f"{locked.participant.slug} as {locked.role}",
            acting_for=locked.participant_id,
        )
        notifications.participation_answered(locked, project)
    return locked


def participation_inbox(actor: Actor):
    """Participation requests waiting for the actor's answer, as an admin of the participant."""
    return (
        visible(actor, Participation)
        .filter(participant_id__in=actor.orgs_where("admin"), status=ParticipationStatus.PENDING)
        .select_related("project", "participant")
        .order_by("created_at", "pk")
    )
