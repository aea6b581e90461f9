"""The tenant boundary (SPEC 3): the one module that says who may see and do what.

Every face (API, pages, exports, admin, commands) asks here:

* `visible(actor, Model)` -> the queryset of rows the actor may see;
* `require(actor, action, obj)` -> raises `NotVisible` (answer 404) when the row is not visible,
  `NotAllowed` (answer 403) when it is visible but the action is not the actor's to take;
* `holds(actor, role, organization_id)` -> the role predicates the workflow table refers to;
* `access_record(actor, Model, identifier)` and `access_organization(actor, slug)` -> scoped
  lookups in the manner of Zulip's `access_*_by_id` helpers.

An actor is the user behind a request, narrowed to one organization and its scopes when the
request came with an API key. Unknown models fail closed: `visible` raises for a tenant-owned
model without a policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from accounts.models import (
    ApiKey,
    Membership,
    MembershipRole,
    Organization,
    PlatformRole,
    SisterCityLink,
    SisterCityStatus,
    User,
)
from projects.models import (
    PLATFORM_STATES,
    PUBLIC_STATES,
    AuditEntry,
    Contact,
    ContactProject,
    ContactZone,
    Participation,
    Project,
    ProjectRelation,
    ProjectZone,
    Record,
    Revision,
    RevisionState,
    Zone,
)

READ = "read"
WRITE = "write"
ALL_SCOPES = frozenset({READ, WRITE})


class NotVisible(Exception):
    """The row does not exist for this actor: answer 404 and say nothing more."""


class NotAllowed(Exception):
    """The actor sees the row but may not do this: answer 403 with the reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Actor:
    """Who is asking: a user (or nobody), their roles per active organization, their scopes."""

    user: object | None = None
    roles: Mapping[int, str] = field(default_factory=dict)
    platform_role: str = PlatformRole.NONE
    scopes: frozenset[str] = ALL_SCOPES
    api_key_id: int | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(scopes=frozenset({READ}))

    @classmethod
    def for_user(cls, user, *, organization_id=None, scopes=ALL_SCOPES, api_key_id=None) -> Actor:
        """The actor for a signed-in user; `organization_id` narrows it to one (API keys)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return cls.anonymous()
        memberships = Membership.objects.unscoped("an actor's own memberships").filter(
            user=user, organization__is_active=True
        )
        if organization_id is not None:
            memberships = memberships.filter(organization_id=organization_id)
        roles = dict(memberships.values_list("organization_id", "role"))
        return cls(
            user=user,
            roles=roles,
            platform_role=user.platform_role,
            scopes=frozenset(scopes),
            api_key_id=api_key_id,
        )

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def org_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    @property
    def is_reviewer(self) -> bool:
        return self.platform_role == PlatformRole.REVIEWER

    @property
    def is_platform_admin(self) -> bool:
        return self.platform_role == PlatformRole.PLATFORM_ADMIN

    def role_in(self, organization_id: int) -> str | None:
        return self.roles.get(organization_id)

    def can_write(self) -> bool:
        return WRITE in self.scopes


def actor_for_request(request) -> Actor:
    """The actor of a request, computed once. API key authentication sets `request.api_key`.

    Computed again when the key or the user has changed since (the API authenticates a key
    inside the view, after the middleware has asked for the session's actor).
    """
    api_key = getattr(request, "api_key", None)
    user = getattr(request, "user", None)
    cached = getattr(request, "_registry_actor", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    if cached is not None and (cached.api_key_id, cached.user_id) == (
        api_key.pk if api_key is not None else None,
        user_id,
    ):
        return cached
    if api_key is not None:
        actor = Actor.for_user(
            user,
            organization_id=api_key.organization_id,
            scopes=api_key.scopes,
            api_key_id=api_key.pk,
        )
    else:
        actor = Actor.for_user(user)
    request._registry_actor = actor
    return actor


# --- Roles: the predicates that the workflow table and the policies below refer to ----------

ROLE_PREDICATES: dict[str, Callable[[Actor, int], bool]] = {
    "owner_member": lambda actor, org_id: actor.role_in(org_id) is not None,
    "owner_editor": lambda actor, org_id: (
        actor.role_in(org_id) in (MembershipRole.ADMIN, MembershipRole.EDITOR)
    ),
    "owner_admin": lambda actor, org_id: actor.role_in(org_id) == MembershipRole.ADMIN,
    "reviewer": lambda actor, org_id: actor.is_reviewer,
    "platform_admin": lambda actor, org_id: actor.is_platform_admin,
}


def holds(actor: Actor, role: str, organization_id: int) -> bool:
    """Does the actor hold `role` (a key of ROLE_PREDICATES) towards this organization?"""
    return ROLE_PREDICATES[role](actor, organization_id)


# --- Which rows: one function per tenant-owned model -----------------------------------------


def _records(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    seen = Q(workflow_state__in=PUBLIC_STATES) | Q(organization_id__in=actor.org_ids)
    if actor.is_reviewer:
        seen |= Q(workflow_state__in=PLATFORM_STATES)
    return qs.filter(seen)


def _history_records(actor: Actor, model: type[Record]) -> QuerySet:
    """Records whose history (revisions, audit log) the actor may read: members and reviewers."""
    qs = model.objects.unscoped("narrowed just below to the history rule")
    if actor.is_platform_admin:
        return qs
    seen = Q(organization_id__in=actor.org_ids)
    if actor.is_reviewer:
        seen |= Q(workflow_state__in=PLATFORM_STATES)
    return qs.filter(seen)


def _record_history(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    if not actor.org_ids and not actor.is_reviewer:
        return qs.none()
    seen = Q(pk__in=[])
    for model in (Project, Zone, Contact):
        content_type = ContentType.objects.get_for_model(model)
        seen |= Q(
            content_type=content_type, object_id__in=_history_records(actor, model).values("pk")
        )
    if actor.is_reviewer and qs.model is Revision:
        # A reviewer sees revisions that reached the platform, not the owner's private drafts.
        reviewed = Q(
            state__in=(
                RevisionState.SUBMITTED,
                RevisionState.CHANGES_REQUESTED,
                RevisionState.REJECTED,
                RevisionState.PUBLISHED,
            )
        )
        seen = Q(organization_id__in=actor.org_ids) | (seen & reviewed)
    return qs.filter(seen)


def _participations(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    return qs.filter(
        Q(project__in=visible(actor, Project).values("pk")) | Q(participant_id__in=actor.org_ids)
    )


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


def _organizations(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    return qs.filter(Q(is_active=True) | Q(pk__in=actor.org_ids))


def _memberships(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    return qs.filter(Q(organization_id__in=actor.org_ids) | Q(user_id=actor.user_id))


def _sister_city_links(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    public = Q(
        status=SisterCityStatus.ACTIVE, organization__is_active=True, partner__is_active=True
    )
    return qs.filter(
        public | Q(organization_id__in=actor.org_ids) | Q(partner_id__in=actor.org_ids)
    )


def _users(actor: Actor, qs: QuerySet) -> QuerySet:
    """People: oneself and the members of one's organizations; platform admins see everyone."""
    if actor.is_platform_admin:
        return qs
    if not actor.is_authenticated:
        return qs.none()
    co_members = Membership.objects.unscoped("members of the actor's organizations").filter(
        organization_id__in=actor.org_ids
    )
    return qs.filter(Q(pk=actor.user_id) | Q(pk__in=co_members.values("user_id")))


def _api_keys(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    admin_of = [org_id for org_id, role in actor.roles.items() if role == MembershipRole.ADMIN]
    return qs.filter(
        Q(user_id=actor.user_id, organization_id__in=actor.org_ids)
        | Q(organization_id__in=admin_of)
    )


VISIBILITY: dict[type[Model], Callable[[Actor, QuerySet], QuerySet]] = {
    Organization: _organizations,
    Membership: _memberships,
    User: _users,
    SisterCityLink: _sister_city_links,
    ApiKey: _api_keys,
    Project: _records,
    Zone: _records,
    Contact: _records,
    Participation: _participations,
    ProjectRelation: _relations,
    ProjectZone: _links(Project, Zone),
    ContactZone: _links(Contact, Zone),
    ContactProject: _links(Contact, Project),
    Revision: _record_history,
    AuditEntry: _record_history,
}


def _all_rows(model: type[Model]) -> QuerySet:
    manager = model._default_manager
    if hasattr(manager, "unscoped"):
        return manager.unscoped("narrowed by the tenancy policy")
    return manager.all()


def visible(actor: Actor, model: type[Model]) -> QuerySet:
    """The rows of `model` the actor may see. Raises for a model with no policy (fail closed)."""
    try:
        policy = VISIBILITY[model]
    except KeyError:
        raise LookupError(
            f"{model._meta.label} has no visibility policy in registry.tenancy"
        ) from None
    return policy(actor, _all_rows(model))


def is_visible(actor: Actor, obj: Model) -> bool:
    return visible(actor, type(obj)).filter(pk=obj.pk).exists()


def visible_record_events(actor: Actor, actions) -> QuerySet:
    """Audit entries with these actions about records the actor can see (the API's changes feed).

    Unlike a record's history (members and reviewers only), the fact that a visible record was
    published, updated or archived is as public as the record itself; nothing else is shown.
    """
    seen = Q(pk__in=[])
    for model in (Project, Zone, Contact):
        seen |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=visible(actor, model).values("pk"),
        )
    return AuditEntry.objects.unscoped("narrowed just below to events of visible records").filter(
        seen, action__in=list(actions)
    )


# --- What they may do: (model, action) -> the role needed, towards which organization ---------

RECORD_ACTIONS = {
    "view": None,
    "view_history": "owner_member|reviewer|platform_admin",
    # SPEC 5: the optional fields a record still lacks are listed to its owners only.
    "view_missing_fields": "owner_member",
    "create": "owner_editor",
    "change": "owner_editor",
    "delete": "owner_editor",
    "reconfirm": "owner_editor",
    "manage_participants": "owner_editor",
}

ACTION_ROLES: dict[type[Model], dict[str, str | None]] = {
    Project: RECORD_ACTIONS,
    Zone: RECORD_ACTIONS,
    Contact: RECORD_ACTIONS,
    Organization: {
        "view": None,
        "change": "platform_admin",
        "manage_members": "owner_admin|platform_admin",
        "manage_api_keys": "owner_admin|platform_admin",
        "sign_off": "owner_admin",
    },
    Membership: {"view": None, "change": "owner_admin|platform_admin"},
    SisterCityLink: {
        "view": None,
        "propose": "owner_admin",
        # Accept or decline: the consent of the side that did not propose.
        "respond": "partner_admin",
        "end": "owner_admin|partner_admin",
    },
    ApiKey: {"view": None, "revoke": "owner_self|owner_admin|platform_admin"},
    Participation: {"view": None, "respond": "participant_admin"},
}
# Actions that write need the `write` scope of an API key; the rest only `read`.
READ_ACTIONS = frozenset({"view", "view_history", "view_missing_fields"})


def _organization_id(obj: Model) -> int:
    return obj.pk if isinstance(obj, Organization) else obj.organization_id


def _holds_any(actor: Actor, roles: str, obj: Model) -> bool:
    for role in roles.split("|"):
        if role == "partner_admin":
            if actor.role_in(obj.partner_id) == MembershipRole.ADMIN:
                return True
        elif role == "participant_admin":
            if actor.role_in(obj.participant_id) == MembershipRole.ADMIN:
                return True
        elif role == "owner_self":
            if obj.user_id == actor.user_id:
                return True
        elif holds(actor, role, _organization_id(obj)):
            return True
    return False


def allowed(actor: Actor, action: str, obj: Model) -> bool:
    """May the actor (who can see `obj`) take `action` on it? Scopes included."""
    roles = ACTION_ROLES[type(obj)].get(action, "")
    if roles == "" and action not in ACTION_ROLES[type(obj)]:
        raise LookupError(f"unknown action {action!r} for {type(obj).__name__}")
    if action not in READ_ACTIONS and not actor.can_write():
        return False
    return roles is None or _holds_any(actor, roles, obj)


def require(actor: Actor, action: str, obj: Model) -> None:
    """Raise NotVisible if the actor cannot see `obj`, NotAllowed if they may not `action` it."""
    if not is_visible(actor, obj):
        raise NotVisible()
    if not allowed(actor, action, obj):
        if action not in READ_ACTIONS and not actor.can_write():
            raise NotAllowed("This API key has the read scope only; writing needs the write scope.")
        raise NotAllowed(
            f"Your role does not allow '{action}' on this {type(obj).__name__.lower()}."
        )


def require_create(actor: Actor, model: type[Model], organization: Organization) -> None:
    """Creating a row for `organization`: the actor must be its editor or admin."""
    if not actor.can_write():
        raise NotAllowed("This API key has the read scope only; writing needs the write scope.")
    roles = ACTION_ROLES[model]["create"]
    if not any(holds(actor, role, organization.pk) for role in roles.split("|")):
        raise NotAllowed(
            f"Only editors and admins of {organization.slug} may create a {model.__name__.lower()}."
        )


# --- Scoped lookups ------------------------------------------------------------------------


def access_organization(actor: Actor, slug: str) -> Organization:
    organization = visible(actor, Organization).filter(slug=slug).first()
    if organization is None:
        raise NotVisible()
    return organization


def prefix_candidates(identifier: str) -> list[str]:
    """'CN-XIAN-TRAIN-1' -> ['CN', 'CN-XIAN', 'CN-XIAN-TRAIN']: the prefixes it could carry."""
    parts = identifier.upper().split("-")
    return ["-".join(parts[:end]) for end in range(1, len(parts))]


def access_record(actor: Actor, model: type[Record], identifier: str, *, for_update=False):
    """The record with this identifier if the actor may see it, else NotVisible.

    The owning organization comes from the identifier's prefix (prefixes never extend one
    another), so the lookup uses the (organization, identifier) index.
    """
    organization_ids = Organization.objects.filter(
        identifier_prefix__in=prefix_candidates(identifier)
    ).values("pk")
    qs = visible(actor, model).filter(organization_id__in=organization_ids, identifier=identifier)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    record = qs.select_related("organization").first()
    if record is None:
        raise NotVisible()
    return record
