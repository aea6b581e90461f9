"""Organizations that stay clean: likely duplicates, and merging one organization into another.

Likely duplicates are found by `accounts.domain.duplicates`.

`merge_organizations(actor, merged, survivor)` moves everything that points at `merged` to
`survivor`, in one transaction: records, memberships, API keys, participations, sister-city
links, revisions, link rows, and whatever model is added later. It finds them generically, by
walking every foreign key to Organization in the app registry, so a new model cannot be
forgotten. Rows that would collide with the survivor's (a user who is a member of both, a link
both have with the same city) are settled first by the resolver registered for their model; a
collision without a resolver stops the merge (nothing changes) rather than guess.

The merged organization is not deleted: it stays, deactivated, with `merged_into` set. The
append-only audit log keeps naming it (it acted then), and its identifier prefix stays taken, so
prefixes remain globally non-overlapping and `registry.tenancy.access_record` resolves the moved
records' unchanged identifiers to the survivor. Apart from the kept history, nothing points at
it afterwards; the merge checks that before it commits.

accounts never imports projects: projects registers its resolvers and kept models, and writes
the audit entry, through `register_resolver`, `keep_on_merge` and the `organizations_merged`
signal (projects.apps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import Signal

from accounts.models import (
    OPEN_LINK_STATES,
    Membership,
    MembershipRole,
    Organization,
    SisterCityLink,
    SisterCityStatus,
)
from registry import rls
from registry.tenancy import Actor, require

# Sent inside the merge's transaction: sender=Organization, merged, survivor, actor, result.
organizations_merged = Signal()

# model -> resolver(actor, merged, survivor) -> notes: settle rows that would collide.
RESOLVERS: dict[type[models.Model], Callable] = {}
# model -> why its rows keep pointing at the merged organization (append-only history).
KEPT: dict[type[models.Model], str] = {}


def register_resolver(model: type[models.Model], resolver: Callable) -> None:
    RESOLVERS[model] = resolver


def keep_on_merge(model: type[models.Model], reason: str) -> None:
    KEPT[model] = reason


class MergeConflict(Exception):
    """Rows of the merged organization would collide with the survivor's and no resolver
    settles them; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class MergeResult:
    merged: Organization
    survivor: Organization
    moved: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        moved = ", ".join(f"{label} {count}" for label, count in sorted(self.moved.items()))
        text = f"Merged {self.merged.slug} ({self.merged.identifier_prefix}) into "
        text += f"{self.survivor.slug}: moved {moved or 'nothing'}."
        return text + (" " + " ".join(self.notes) if self.notes else "")


# --- The walk --------------------------------------------------------------------------------


def organization_references() -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, foreign key) that points at Organization, found in the app registry."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.get_fields():
            if (
                model_field.concrete
                and (model_field.many_to_one or model_field.one_to_one)
                and model_field.related_model is Organization
            ):
                found.append((model, model_field))
    return found


def _rows(model: type[models.Model]):
    # The plain base manager: this service decides access itself (platform admins only).
    return model._base_manager.all()


def references_to(organization: Organization) -> list[tuple[str, int]]:
    """(model.field, count) of every row that points at `organization`, for the merge page."""
    counts = []
    for model, model_field in organization_references():
        count = _rows(model).filter(**{model_field.name: organization}).count()
        if count:
            counts.append((f"{model._meta.label}.{model_field.name}", count))
    return counts


# --- The merge -------------------------------------------------------------------------------


def check_merge(merged: Organization, survivor: Organization) -> None:
    if merged.pk == survivor.pk:
        raise ValidationError("An organization cannot be merged into itself.", code="merge_self")
    for organization in (merged, survivor):
        if organization.merged_into_id is not None:
            raise ValidationError(
                f"{organization.slug} was already merged into another organization.",
                code="already_merged",
            )
    if merged.kind != survivor.kind:
        raise ValidationError(
            f"{merged.slug} is a {merged.kind.replace('_', ' ')} and {survivor.slug} a "
            f"{survivor.kind.replace('_', ' ')}: only organizations of one kind are merged.",
            code="merge_kinds_differ",
        )


def _unique_field_sets(model: type[models.Model], name: str):
    """(fields, condition) of each uniqueness rule of `model` that includes field `name`."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and name in constraint.fields:
            yield constraint.fields, constraint.condition
    for together in model._meta.unique_together:
        if name in together:
            yield together, None
    if model._meta.get_field(name).unique:
        yield (name,), None


def _check_no_collision(model, model_field, merged, survivor) -> None:
    """Refuse a move that would break a uniqueness rule no resolver has settled."""
    for fields, condition in _unique_field_sets(model, model_field.name):
        others = [name for name in fields if name != model_field.name]
        rows = _rows(model).filter(condition) if condition is not None else _rows(model)
        staying = rows.filter(**{model_field.name: survivor})
        moving = rows.filter(**{model_field.name: merged})
        if not others:
            clash = staying.exists() and moving.exists()
        else:
            keys = set(staying.values_list(*others))
            clash = any(key in keys for key in moving.values_list(*others).iterator())
        if clash:
            raise MergeConflict(
                f"Rows of {model._meta.label} of {merged.slug} would collide with "
                f"{survivor.slug}'s on ({', '.join(fields)}), and no merge resolver settles "
                "them. Nothing was changed."
            )


def merge_organizations(actor: Actor, merged: Organization, survivor: Organization) -> MergeResult:
    """Move everything of `merged` to `survivor` and retire `merged` (platform admins only)."""
    require(actor, "merge", survivor)
    require(actor, "merge", merged)
    # Row-level security lets an actor write their own organizations' rows; a merge rewrites two
    # organizations' rows (records, keys, memberships of people who are not the actor).
    with (
        rls.system_context("a platform admin's organization merge moves both sides' rows"),
        transaction.atomic(),
    ):
        locked = Organization.objects.select_for_update().filter(pk__in=[merged.pk, survivor.pk])
        by_pk = {organization.pk: organization for organization in locked.order_by("pk")}
        merged, survivor = by_pk[merged.pk], by_pk[survivor.pk]
        check_merge(merged, survivor)
        result = MergeResult(merged, survivor)
        for resolver in RESOLVERS.values():
            result.notes += resolver(actor, merged, survivor)
        references = organization_references()
        for model, model_field in references:
            if model in KEPT:
                continue
            _check_no_collision(model, model_field, merged, survivor)
            moved = (
                _rows(model)
                .filter(**{model_field.name: merged})
                .update(**{model_field.name: survivor})
            )
            if moved:
                label = f"{model._meta.label}.{model_field.name}"
                result.moved[label] = result.moved.get(label, 0) + moved
        merged.is_active = False
        merged.merged_into = survivor
        merged.save(update_fields=["is_active", "merged_into", "updated_at"])
        _check_nothing_left(references, merged)
        organizations_merged.send(
            sender=Organization, merged=merged, survivor=survivor, actor=actor, result=result
        )
    return result


def _check_nothing_left(references, merged: Organization) -> None:
    for model, model_field in references:
        if model in KEPT:
            continue
        if _rows(model).filter(**{model_field.name: merged}).exists():
            raise MergeConflict(
                f"{model._meta.label}.{model_field.name} still points at {merged.slug} after the "
                "merge; nothing was changed."
            )


# --- Resolvers of the accounts models --------------------------------------------------------

ROLE_RANK = {MembershipRole.VIEWER: 0, MembershipRole.EDITOR: 1, MembershipRole.ADMIN: 2}


def _settle_memberships(actor: Actor, merged: Organization, survivor: Organization) -> list[str]:
    """A member of both keeps one membership in the survivor, with the stronger role."""
    notes = []
    rows = _rows(Membership)
    staying = {m.user_id: m for m in rows.filter(organization=survivor)}
    for membership in rows.filter(organization=merged).select_related("user"):
        kept = staying.get(membership.user_id)
        if kept is None:
            continue
        if ROLE_RANK[membership.role] > ROLE_RANK[kept.role]:
            kept.role = membership.role
            kept.save(update_fields=["role"])
        membership.delete()
        notes.append(f"{membership.user.username} was a member of both; kept as {kept.role}.")
    return notes


def _settle_sister_city_links(
    actor: Actor, merged: Organization, survivor: Organization
) -> list[str]:
    """A link between the two goes (a city is not its own sister); an open link the merged
    organization has with a city the survivor is already linked with is ended."""
    notes = []
    rows = _rows(SisterCityLink)
    between = rows.filter(
        models.Q(organization=merged, partner=survivor)
        | models.Q(organization=survivor, partner=merged)
    )
    if between.exists():
        count = between.delete()[0]
        notes.append(f"Removed {count} sister-city link(s) between the two.")
    survivor_partners = set()
    for link in rows.filter(status__in=OPEN_LINK_STATES).filter(
        models.Q(organization=survivor) | models.Q(partner=survivor)
    ):
        survivor_partners.add(
            link.partner_id if link.organization_id == survivor.pk else link.organization_id
        )
    for link in rows.filter(status__in=OPEN_LINK_STATES).filter(
        models.Q(organization=merged) | models.Q(partner=merged)
    ):
        other = link.partner_id if link.organization_id == merged.pk else link.organization_id
        if other in survivor_partners:
            link.status = SisterCityStatus.ENDED
            link.ended_by = actor.user
            link.save(update_fields=["status", "ended_by", "updated_at"])
            notes.append(f"Ended a duplicate sister-city link with organization {other}.")
    return notes


register_resolver(Membership, _settle_memberships)
register_resolver(SisterCityLink, _settle_sister_city_links)
