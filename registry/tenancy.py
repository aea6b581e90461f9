"""The tenant boundary's mechanism (SPEC 3): who is asking, which rows they see, what they may do.

This module knows no app. The rules are the apps' own: each registers a `Policy` for each of its
models (`accounts/boundary.py`, `projects/boundary.py`, loaded by their `AppConfig.ready`), and
accounts registers where an actor's memberships come from. Every face asks here:

* `visible(actor, Model)` -> the queryset of rows the actor may see;
* `require(actor, action, obj)` -> raises `NotVisible` (answer 404) when the row is not visible,
  `NotAllowed` (answer 403) when it is visible but the action is not the actor's to take;
* `holds(actor, role, obj)` -> the role predicates the policies and the workflow table name.

It fails closed: `visible` raises for a model that registered no policy, and an actor cannot be
built before accounts registered the source of memberships.

Roles have one vocabulary. A membership role (`admin`, `editor`, `viewer`) is held towards an
organization; a rule names it as `<party>_<level>`: the party is which organization of the row
(`owner`, and per model e.g. `partner` or `participant`), the level is `member` (any role),
`editor` (editor or admin) or `admin`. Besides those: `reviewer` and `platform_admin` (the
secretariat's platform roles) and `self` (the row's own user, e.g. one's own API key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.errors import DomainError

READ = "read"
WRITE = "write"
ALL_SCOPES = frozenset({READ, WRITE})
# Actions that only read; every other action needs the `write` scope of an API key.
READ_ACTIONS = frozenset({"view", "view_history", "view_missing_fields"})


# The roles' values and their reader's words (docs/glossary.md).
class MembershipRole(models.TextChoices):
    ADMIN = "admin", pgettext_lazy("membership role", "Admin")
    EDITOR = "editor", pgettext_lazy("membership role", "Editor")
    VIEWER = "viewer", pgettext_lazy("membership role", "Viewer")


class PlatformRole(models.TextChoices):
    NONE = "", _("No platform role")
    REVIEWER = "reviewer", _("Reviewer")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")


# What each level a rule names includes.
LEVELS: dict[str, frozenset[str]] = {
    "member": frozenset(MembershipRole.values),
    "editor": frozenset({MembershipRole.ADMIN, MembershipRole.EDITOR}),
    "admin": frozenset({MembershipRole.ADMIN}),
}


class NotVisible(DomainError):
    """The row does not exist for this actor: answer 404 and say nothing more."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class NotAllowed(DomainError):
    """The actor sees the row but may not do this: answer 403 with the reason."""

    status = 403
    code = "not_allowed"


# --- The refusals' wording: one each --------------------------------------------------------

READ_SCOPE_ONLY = _("This API key has the read scope only; writing needs the write scope.")


def _phrase(name: str) -> str:
    return name.replace("_", " ")


def role_refusal(actor: Actor, action: str, roles: str, what: str) -> NotAllowed:
    """The refusal of an action whose roles the actor lacks; `what` names the object."""
    if not actor.is_authenticated:
        return NotAllowed(f"Sign in to {_phrase(action)} {what}.")
    who = " or ".join(_phrase(role) for role in roles.split("|"))
    return NotAllowed(f"Only the {who} may {_phrase(action)} {what}.")


def _what(obj: Model) -> str:
    noun = obj._meta.verbose_name
    return f"a {noun}" if obj.pk is None else f"this {noun}"


# --- Who is asking ---------------------------------------------------------------------------

# user, organization id or None -> {organization id: membership role} in active organizations.
RoleSource = Callable[[object, "int | None"], dict[int, str]]
_role_source: RoleSource | None = None


def register_role_source(source: RoleSource) -> None:
    """accounts tells the boundary where an actor's memberships come from (AppConfig.ready)."""
    global _role_source
    _role_source = source


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
        if _role_source is None:
            raise LookupError("no source of memberships registered with registry.tenancy")
        return cls(
            user=user,
            roles=_role_source(user, organization_id),
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

    def role_in(self, organization_id: int | None) -> str | None:
        return self.roles.get(organization_id)

    def is_at_least(self, level: str, organization_id: int | None) -> bool:
        """Does the actor hold `level` (member, editor, admin) in this organization?"""
        return self.role_in(organization_id) in LEVELS[level]

    def orgs_where(self, level: str) -> list[int]:
        """The organizations where the actor holds `level`, in id order."""
        return sorted(org_id for org_id, role in self.roles.items() if role in LEVELS[level])

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


# --- The rules each app registers --------------------------------------------------------------

OWNER = {"owner": "organization_id"}


@dataclass(frozen=True)
class Policy:
    """An app's rules for one model.

    `rows(actor, all_rows)` narrows the table to what the actor sees; `actions` maps each action
    to the roles that may take it ("a|b": any of them; None: whoever sees the row); `parties`
    maps each party a role may name to the attribute holding that organization's id.
    """

    rows: Callable[[Actor, QuerySet], QuerySet]
    actions: Mapping[str, str | None] = field(default_factory=lambda: {"view": None})
    parties: Mapping[str, str] = field(default_factory=lambda: OWNER)


POLICIES: dict[type[Model], Policy] = {}


def register(model: type[Model], policy: Policy) -> None:
    POLICIES[model] = policy


def policy_of(model: type[Model]) -> Policy:
    try:
        return POLICIES[model]
    except KeyError:
        raise LookupError(
            f"{model._meta.label} has no policy registered with the boundary"
        ) from None


def all_rows(model: type[Model]) -> QuerySet:
    """Every row, for a policy to narrow (the fail-closed manager's explicit escape)."""
    manager = model._default_manager
    if hasattr(manager, "unscoped"):
        return manager.unscoped("narrowed by the model's policy")
    return manager.all()


def visible(actor: Actor, model: type[Model]) -> QuerySet:
    """The rows of `model` the actor may see. Raises for a model with no policy (fail closed)."""
    return policy_of(model).rows(actor, all_rows(model))


def is_visible(actor: Actor, obj: Model) -> bool:
    return visible(actor, type(obj)).filter(pk=obj.pk).exists()


def holds(actor: Actor, role: str, obj: Model) -> bool:
    """Does the actor hold `role` (see the module's docstring) towards this row?"""
    if role == "reviewer":
        return actor.is_reviewer
    if role == "platform_admin":
        return actor.is_platform_admin
    if role == "self":
        return actor.is_authenticated and obj.user_id == actor.user_id
    party, level = role.rsplit("_", 1)
    organization_id = getattr(obj, policy_of(type(obj)).parties[party])
    return actor.is_at_least(level, organization_id)


def allowed(actor: Actor, action: str, obj: Model) -> bool:
    """May the actor (who can see `obj`) take `action` on it? Scopes included."""
    actions = policy_of(type(obj)).actions
    if action not in actions:
        raise LookupError(f"unknown action {action!r} for {type(obj).__name__}")
    if action not in READ_ACTIONS and not actor.can_write():
        return False
    roles = actions[action]
    return roles is None or any(holds(actor, role, obj) for role in roles.split("|"))


def refusal(actor: Actor, action: str, obj: Model) -> NotAllowed:
    """Why the actor may not take `action` on `obj` (call when `allowed` said no)."""
    if action not in READ_ACTIONS and not actor.can_write():
        return NotAllowed(READ_SCOPE_ONLY)
    return role_refusal(actor, action, policy_of(type(obj)).actions[action] or "", _what(obj))


def require(actor: Actor, action: str, obj: Model) -> None:
    """Raise NotVisible if the actor cannot see `obj`, NotAllowed if they may not `action` it.

    A row not saved yet (a record being created, a link being proposed) has nothing to see:
    only the action is checked.
    """
    if obj.pk is not None and not is_visible(actor, obj):
        raise NotVisible()
    if not allowed(actor, action, obj):
        raise refusal(actor, action, obj)
