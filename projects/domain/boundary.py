"""The records' rules at the tenant boundary (SPEC 3), registered with registry.tenancy.

Who sees which projects, zones and contacts (and their links, participations, revisions and
history), and who may act on them; plus the scoped lookups every face and service uses, in the
manner of Zulip's `access_*` helpers. Loaded by `ProjectsConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.domain.boundary import owners_by_prefix
from projects.choices import PLATFORM_REVISION_STATES, PLATFORM_STATES, PUBLIC_STATES
from projects.domain import public_metadata
from projects.domain.errors import StaleVersion
from projects.models import (
    RECORD_MODELS,
    AuditEntry,
    Contact,
    ContactProject,
    ContactZone,
    Participation,
    Project,
    ProjectRelation,
    ProjectZone,
    Record,
    RecordDocument,
    Revision,
    WebhookDelivery,
    WebhookSubscription,
    Zone,
)
from registry import tenancy
from registry.tenancy import Actor, NotVisible, Policy, require, visible


def _records(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    seen = Q(workflow_state__in=PUBLIC_STATES) | Q(organization_id__in=actor.org_ids)
    if actor.is_reviewer:
        seen |= Q(workflow_state__in=PLATFORM_STATES)
    return qs.filter(seen)


def record_visibility_key(actor: Actor) -> str:
    """Who the actor is as far as the record lists go, as a string: actors with the same key
    see the same records, and so the same list of any filter (a cache of figures computed
    over a list keys them by it, with `change_counters.list_stamp`, e.g.
    projects.reads.facet_counts).

    What the list rules read of an actor, and nothing else: being a platform admin (every
    row); being a reviewer (rows that reached the platform); the ids of the actor's
    organizations (their rows, whatever the role: `_records`, and the filters that take an
    organization or a zone, `_organizations` and `_links`, and `updated_since`). The role
    within an organization (viewer, editor, admin) changes what one may do, not what one
    sees, so it is not part of the key: the members of an organization share it. A rule that
    comes to read anything else of the actor (a role, the user) must add it here.
    """
    if actor.is_platform_admin:
        return "platform_admin"
    orgs = ",".join(str(org_id) for org_id in sorted(actor.org_ids))
    return f"{'reviewer' if actor.is_reviewer else 'member'}:{orgs}"


def _records_with_history(actor: Actor, model: type[Record]) -> QuerySet:
    """Records whose history (revisions, audit log) the actor may read: members and reviewers."""
    qs = model.objects.unscoped("narrowed just below to the history rule")
    if actor.is_platform_admin:
        return qs
    seen = Q(organization_id__in=actor.org_ids)
    if actor.is_reviewer:
        seen |= Q(workflow_state__in=PLATFORM_STATES)
    return qs.filter(seen)


def _of_records(records: Callable[[type[Record]], QuerySet]) -> Q:
    """Rows (revisions, audit entries) about any of these records of the three types."""
    seen = Q(pk__in=[])
    for model in RECORD_MODELS:
        seen |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=records(model).values("pk"),
        )
    return seen


def _history(actor: Actor, qs: QuerySet) -> QuerySet:
    """A record's history: its audit entries, and its revisions.

    The one rule for who sees a revision: the owner's members see them all; a reviewer sees
    those that reached the platform (PLATFORM_REVISION_STATES) of records that did.
    """
    if actor.is_platform_admin:
        return qs
    if not actor.org_ids and not actor.is_reviewer:
        return qs.none()
    seen = _of_records(lambda model: _records_with_history(actor, model))
    if actor.is_reviewer and qs.model is Revision:
        seen = Q(organization_id__in=actor.org_ids) | (seen & Q(state__in=PLATFORM_REVISION_STATES))
    return qs.filter(seen)


class ExistsRowByRow(Exists):
    """EXISTS that PostgreSQL checks for each outer row (a primary-key probe), never as a join.

    Alone in a WHERE, an EXISTS becomes a semi-join, and the planner, which prices the
    row-level security filter as nearly free, may hash the whole inner table for it: a page of
    500 projects read every project's row to check 1,149 participations (18 ms at 10k against
    3.6 ms probed; issue 21). `OFFSET 0` is the planner's documented fence: a subquery with an
    OFFSET is never flattened. SQLite has no such planner choice, nor the syntax.
    """

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="EXISTS((%(subquery)s) OFFSET 0)", **extra_context
        )


def _participations(actor: Actor, qs: QuerySet) -> QuerySet:
    """Whoever sees the project sees its participations, and so do the participant's members.

    The project is checked row by row (EXISTS, by primary key), not as `project IN (every
    project the actor sees)`: beside an OR PostgreSQL cannot turn that into a join, and hashed
    every visible project on each request, 100k of them at 100k (issue 21). Without the OR (an
    anonymous caller) it could, and did: ExistsRowByRow keeps it a probe."""
    if actor.is_platform_admin:
        return qs
    project_seen = ExistsRowByRow(
        visible(actor, Project).filter(pk=OuterRef("project_id")).order_by()
    )
    return qs.filter(project_seen | Q(participant_id__in=actor.org_ids))


def _links(source: type[Record], target: type[Record]) -> Callable[[Actor, QuerySet], QuerySet]:
    """A link between two records is seen only when both ends are."""
    source_name, target_name = source.__name__.lower(), target.__name__.lower()

    def scope(actor: Actor, qs: QuerySet) -> QuerySet:
        if actor.is_platform_admin:
            return qs
        return qs.filter(
            **{
                f"{source_name}__in": visible(actor, source).values("pk"),
                f"{target_name}__in": visible(actor, target).values("pk"),
            }
        )

    return scope


def _relations(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    projects = visible(actor, Project).values("pk")
    return qs.filter(project__in=projects, related__in=projects)


RECORD_ACTIONS = {
    "view": None,
    "view_history": "owner_member|reviewer|platform_admin",
    # SPEC 5: the optional fields a record still lacks are listed to its owners only.
    "view_missing_fields": "owner_member",
    "create": "owner_editor",
    "change": "owner_editor",
    "delete": "owner_editor",
    "manage_participants": "owner_editor",
}

for _model in RECORD_MODELS:
    tenancy.register(_model, Policy(_records, RECORD_ACTIONS))
tenancy.register(
    Participation,
    Policy(
        _participations,
        {"view": None, "respond": "participant_admin"},
        parties={"owner": "organization_id", "participant": "participant_id"},
    ),
)
tenancy.register(ProjectRelation, Policy(_relations))
tenancy.register(ProjectZone, Policy(_links(Project, Zone)))
tenancy.register(ContactZone, Policy(_links(Contact, Zone)))
tenancy.register(ContactProject, Policy(_links(Contact, Project)))
tenancy.register(Revision, Policy(_history))
tenancy.register(AuditEntry, Policy(_history))


def _documents(actor: Actor, qs: QuerySet) -> QuerySet:
    """A record's documents (issue 18) are seen by whoever sees the record.

    The record is probed per document (a correlated EXISTS by primary key), not as
    `object_id IN (every visible record)`: a record page's documents would otherwise hash
    every public record on each request (issue 21)."""
    if actor.is_platform_admin:
        return qs
    seen = Q(pk__in=[])
    for model in RECORD_MODELS:
        seen |= Q(content_type=ContentType.objects.get_for_model(model)) & Q(
            Exists(visible(actor, model).filter(pk=OuterRef("object_id")).order_by())
        )
    return qs.filter(seen)


tenancy.register(
    RecordDocument,
    Policy(_documents, {"view": None, "create": "owner_editor", "delete": "owner_editor"}),
)


def _administered(actor: Actor, qs: QuerySet) -> QuerySet:
    """Webhook subscriptions and their deliveries: the owner organization's admins, with the
    write scope (issue 19: an admin's session, or a key with read and write)."""
    if actor.is_platform_admin:
        return qs
    if not actor.can_write():
        return qs.none()
    return qs.filter(organization_id__in=actor.orgs_where("admin"))


WEBHOOK_ACTIONS = {"view": None, "create": "owner_admin", "delete": "owner_admin"}
tenancy.register(WebhookSubscription, Policy(_administered, WEBHOOK_ACTIONS))
tenancy.register(WebhookDelivery, Policy(_administered, {"view": None, "replay": "owner_admin"}))


# --- Scoped lookups ------------------------------------------------------------------------


def access_record(actor: Actor, model: type[Record], identifier: str, *, for_update=False):
    """The record with this identifier if the actor may see it, else NotVisible.

    The owning organization comes from the identifier's prefix (prefixes never extend one
    another), so the lookup uses the (organization, identifier) index.
    """
    qs = visible(actor, model).filter(
        organization_id__in=owners_by_prefix(identifier), identifier=identifier
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    record = qs.select_related("organization").first()
    if record is None:
        raise NotVisible()
    return record


def check_version(record: Record, expected_version, actor: Actor | None = None) -> None:
    """StaleVersion unless `expected_version` (when given) is a version this actor was shown.

    That is the record's current version, or, for a viewer outside the owner, its public one: a
    hidden revision moves only the real version (issue 10), and a reviewer archiving the
    published record has seen the published content it acts on. The refusal names the version
    the actor may know.
    """
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = None  # an unreadable version cannot be the current one
    shown = {record.version}
    if actor is not None and not public_metadata.shows_private(actor, record):
        shown = {record.version, record.public_version}
    if expected not in shown:
        raise StaleVersion(public_metadata.version_for(actor, record) if actor else record.version)


def access_record_for_change(actor: Actor, record: Record, action: str, expected_version=None):
    """The record re-read under its row lock, once the actor may `action` it at this version."""
    locked = access_record(actor, type(record), record.identifier, for_update=True)
    require(actor, action, locked)
    check_version(locked, expected_version, actor)
    return locked


def visible_record_events(actor: Actor, actions: Iterable[str]) -> QuerySet:
    """Audit entries with these actions about records the actor can see (the changes feed).

    Unlike a record's history (members and reviewers only), the fact that a visible record was
    published, updated or archived is as public as the record itself; nothing else is shown.
    """
    # A correlated EXISTS per entry, not `object_id IN (every visible id)`: a page of the feed
    # walks the log's primary key and probes each record's by its own (issue 11), instead of
    # reading the ids of every visible record first.
    seen = Q(pk__in=[])
    for model in RECORD_MODELS:
        seen |= Q(content_type=ContentType.objects.get_for_model(model)) & Q(
            Exists(visible(actor, model).filter(pk=OuterRef("object_id")))
        )
    return AuditEntry.objects.unscoped("narrowed just below to events of visible records").filter(
        seen, action__in=list(actions)
    )
