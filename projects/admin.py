"""The records in the Django admin: browse and filter; state changes only through the workflow.

`workflow_state` and the other workflow columns are read-only here. The admin actions call
`workflow.perform` with the platform admin as actor, so the SPEC 5 table, the four-eyes rules, the
audit log and the notifications apply exactly as everywhere else; refusals are reported as
messages, one per record.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from projects.domain import workflow
from projects.domain.content import SERVER_COLUMNS, model_columns
from projects.models import AuditEntry, Contact, Project, Revision, Zone
from registry.admin_site import ScopedAdmin
from registry.errors import DomainError
from registry.tenancy import actor_for_request

WORKFLOW_COLUMNS = (
    "identifier",
    *SERVER_COLUMNS,
    "created_by",
    "submitted_by",
    "signed_off_by",
)
# Admin actions need no comment box, so only the actions without a required comment are offered.
ADMIN_ACTIONS = [
    name for name, transition in workflow.TRANSITIONS.items() if not transition.comment_required
]


def _workflow_action(name: str):
    transition = workflow.TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        actor = actor_for_request(request)
        done = 0
        for record in queryset:
            try:
                workflow.perform(actor, type(record), record.identifier, name)
                done += 1
            except DomainError as refusal:
                modeladmin.message_user(
                    request, f"{record.identifier}: {refusal.message}", messages.WARNING
                )
            except ValidationError as refusal:
                modeladmin.message_user(
                    request, f"{record.identifier}: {'; '.join(refusal.messages)}", messages.ERROR
                )
        if done:
            modeladmin.message_user(request, f"{transition.label}: {done} record(s).")

    action.__name__ = f"{name}_selected"
    action.short_description = f"{transition.label} (selected)"
    return action


class ReadOnlyAdmin(ScopedAdmin):
    """Browse only. Records are created and edited by their organizations' editors through the
    services (pending revisions, versions, audit) and deleted only as drafts
    (services.delete_record); the audit log and revisions are never edited at all."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(ReadOnlyAdmin):
    """Records browse here; their states move only through the workflow actions below."""

    search_fields = ("identifier",)
    list_display = ("identifier", "display_title", "organization", "workflow_state", "version")
    list_select_related = ("organization",)
    readonly_fields = WORKFLOW_COLUMNS
    actions = [_workflow_action(name) for name in ADMIN_ACTIONS]


@admin.register(Project)
class ProjectAdmin(RecordAdmin):
    fields = (*WORKFLOW_COLUMNS, *model_columns(Project))
    list_filter = ("workflow_state", "category", "lifecycle_status", "organization")


@admin.register(Zone)
class ZoneAdmin(RecordAdmin):
    fields = (*WORKFLOW_COLUMNS, *model_columns(Zone))
    list_filter = ("workflow_state", "kind", "lifecycle_status", "organization")


@admin.register(Contact)
class ContactAdmin(RecordAdmin):
    fields = (*WORKFLOW_COLUMNS, *model_columns(Contact))
    list_filter = ("workflow_state", "kind", "organization")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "identifier", "action", "actor", "from_state", "to_state")
    list_filter = ("action", "organization")
    search_fields = ("identifier",)


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("organization", "object_id", "number", "state", "created_at")
    list_filter = ("state", "organization")
