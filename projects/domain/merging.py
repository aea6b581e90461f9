"""What projects adds to an organization merge (accounts.domain.merging): its resolver, its kept
history and the merge's audit entry. Connected in projects.apps, since accounts never imports
projects."""

from __future__ import annotations

from accounts.domain.merging import keep_on_merge, organizations_merged, register_resolver
from projects.choices import ParticipationStatus
from projects.domain import audit, change_counters
from projects.models import AuditEntry, Participation


def _settle_participations(actor, merged, survivor) -> list[str]:
    """Both taking part in one project in one role: one participation stays, a confirmed one
    rather than a pending one."""
    rows = Participation.all_rows_for_internal_use
    notes = []
    staying = {
        (p.organization_id, p.project_id, p.role): p for p in rows.filter(participant=survivor)
    }
    for participation in rows.filter(participant=merged):
        kept = staying.get(
            (participation.organization_id, participation.project_id, participation.role)
        )
        if kept is None:
            continue
        confirmed = ParticipationStatus.CONFIRMED
        if participation.status == confirmed and kept.status != confirmed:
            kept.delete()
        else:
            participation.delete()
        notes.append(
            f"Project {participation.project_id}: both took part as {participation.role}; "
            "kept one participation."
        )
    return notes


def _audit_merge(sender, merged, survivor, actor, result, **kwargs) -> None:
    # The merged organization's records now show the survivor: every list may change.
    org_scope = change_counters.org_scope
    change_counters.bump(change_counters.PUBLIC, org_scope(merged.pk), org_scope(survivor.pk))
    audit.record_about_organization(
        actor,
        "merge_organization",
        survivor,
        comment=result.summary,
        changed_fields=[label for label in result.moved],
    )


def connect() -> None:
    register_resolver(Participation, _settle_participations)
    keep_on_merge(
        AuditEntry,
        "append-only: an entry keeps naming the organization that acted then; the merged "
        "organization stays, deactivated, so that it still resolves",
    )
    organizations_merged.connect(_audit_merge, dispatch_uid="projects-audit-merge")
