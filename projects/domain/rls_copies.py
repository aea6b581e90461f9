"""The copies of record state that the database's row-level security policies read (issue 10).

A policy decides a row from the row's own columns: one that looked up another tenant table would
stop working once the tables are distributed by organization (Citus). So each row whose
visibility depends on a record carries a copy of what its policy needs (the rule each copy
serves is registry.tenancy's):

* links (project-zone, contact-zone, contact-project) and project relations carry the source's
  state and the target's organization and state: a link is seen only when both ends are;
* a record's documents carry its state: whoever sees the record sees them (issue 18);
* a participation carries its project's state: whoever sees the project sees it (and so does
  the participant);
* a project carries `shared_with`, the other organizations named as its participants: their
  members read the project behind a participation (their inbox, their answer).

This module is the one place that writes them: when a row is made (`new_link`,
`participation_copies`), when the workflow changes a record's state (`record_state_changed`) and
when a project's participants change (`refresh_shared_with`). The ORM's boundary never reads them.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from projects.models import (
    ContactProject,
    ContactZone,
    Participation,
    Project,
    ProjectRelation,
    ProjectZone,
    Record,
    RecordDocument,
)
from registry import rls

# Each link table: (source field, target field). The copies are `{source}_state`,
# `{target}_organization` and `{target}_state`.
LINK_ENDS: dict[type[Model], tuple[str, str]] = {
    ProjectZone: ("project", "zone"),
    ContactZone: ("contact", "zone"),
    ContactProject: ("contact", "project"),
    ProjectRelation: ("project", "related"),
}


def new_link(model: type[Model], source: Record, target: Record, **fields) -> Model:
    """An unsaved link row from `source` (whose organization owns it) to `target`, with copies."""
    source_name, target_name = LINK_ENDS[model]
    return model(
        organization_id=source.organization_id,
        **{source_name: source, target_name: target},
        **{
            f"{source_name}_state": source.workflow_state,
            f"{target_name}_organization_id": target.organization_id,
            f"{target_name}_state": target.workflow_state,
        },
        **fields,
    )


def participation_copies(project: Project) -> dict:
    """The copies of a new participation in `project`."""
    return {"project_state": project.workflow_state}


def record_state_changed(record: Record) -> None:
    """Bring every copy of `record`'s state in step with it (the workflow calls this).

    Rows of other organizations name the record too (their links to it), and the actor (a
    reviewer approving, say) may write none of them: the copies are the system's to keep.
    """
    state = record.workflow_state
    with rls.system_context("copies of a record's state follow the state change"):
        for model, (source_name, target_name) in LINK_ENDS.items():
            for name in (source_name, target_name):
                if model._meta.get_field(name).related_model is type(record):
                    model.all_rows_for_internal_use.filter(**{name: record}).update(
                        **{f"{name}_state": state}
                    )
        RecordDocument.all_rows_for_internal_use.filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
        ).update(record_state=state)
        if isinstance(record, Project):
            Participation.all_rows_for_internal_use.filter(project=record).update(
                project_state=state
            )


def refresh_shared_with(project: Project) -> None:
    """Name on the project the other organizations it has participations with (any status)."""
    participants = (
        Participation.objects.unscoped("the participants of a project already accessed")
        .filter(organization_id=project.organization_id, project=project)
        .exclude(participant_id=project.organization_id)
        .values_list("participant_id", flat=True)
    )
    shared_with = sorted({str(organization_id) for organization_id in participants}, key=int)
    Project.objects.unscoped("the service keeps this copy").filter(pk=project.pk).update(
        shared_with=shared_with
    )
    project.shared_with = shared_with
