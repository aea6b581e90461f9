"""The accounts app's rules at the tenant boundary (SPEC 2 and 3), registered with registry.tenancy.

Who sees which organizations, memberships, people, sister-city links and API keys, and who may act
on them; where an actor's memberships come from; and the scoped lookups of organizations in the
manner of Zulip's `access_*` helpers. Loaded by `AccountsConfig.ready`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import (
    ApiKey,
    Invitation,
    Membership,
    Organization,
    OrganizationApplication,
    SecurityEvent,
    SisterCityLink,
    SisterCityStatus,
    User,
)
from registry import tenancy
from registry.tenancy import Actor, NotVisible, Policy


def membership_roles(user, organization_id: int | None) -> dict[int, str]:
    """{organization id: role} of the user's memberships in active organizations."""
    memberships = Membership.objects.unscoped("an actor's own memberships").filter(
        user=user, organization__is_active=True
    )
    if organization_id is not None:
        memberships = memberships.filter(organization_id=organization_id)
    return dict(memberships.values_list("organization_id", "role"))


def _organizations(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    return qs.filter(Q(is_active=True) | Q(pk__in=actor.org_ids))


def _memberships(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    return qs.filter(Q(organization_id__in=actor.org_ids) | Q(user_id=actor.user_id))


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


def _sister_city_links(actor: Actor, qs: QuerySet) -> QuerySet:
    if actor.is_platform_admin:
        return qs
    public = Q(
        status=SisterCityStatus.ACTIVE, organization__is_active=True, partner__is_active=True
    )
    return qs.filter(
        public | Q(organization_id__in=actor.org_ids) | Q(partner_id__in=actor.org_ids)
    )


def _api_keys(actor: Actor, qs: QuerySet) -> QuerySet:
    """One's own keys in one's organizations, and every key of the organizations one administers."""
    if actor.is_platform_admin:
        return qs
    return qs.filter(
        Q(user_id=actor.user_id, organization_id__in=actor.org_ids)
        | Q(organization_id__in=actor.orgs_where("admin"))
    )


def _invitations(actor: Actor, qs: QuerySet) -> QuerySet:
    """An organization's invitations: its admins' business (and platform admins')."""
    if actor.is_platform_admin:
        return qs
    return qs.filter(organization_id__in=actor.orgs_where("admin"))


def _platform_admins_only(actor: Actor, qs: QuerySet) -> QuerySet:
    """Sign-ins and lockouts name people and addresses across organizations."""
    return qs if actor.is_platform_admin else qs.none()


# An organization is its own owner party.
ITSELF = {"owner": "pk"}

tenancy.register_role_source(membership_roles)
tenancy.register(
    Organization,
    Policy(
        _organizations,
        actions={
            "view": None,
            "change": "platform_admin",
            # accounts.domain.merging: move everything of one organization into another.
            "merge": "platform_admin",
            "manage_members": "owner_admin|platform_admin",
            "manage_api_keys": "owner_admin|platform_admin",
            "sign_off": "owner_admin",
        },
        parties=ITSELF,
    ),
)
tenancy.register(
    Membership, Policy(_memberships, {"view": None, "change": "owner_admin|platform_admin"})
)
tenancy.register(User, Policy(_users, parties={}))
tenancy.register(
    SisterCityLink,
    Policy(
        _sister_city_links,
        actions={
            "view": None,
            "propose": "owner_admin",
            # Accept or decline: the consent of the side that did not propose.
            "respond": "partner_admin",
            "end": "owner_admin|partner_admin",
        },
        parties={"owner": "organization_id", "partner": "partner_id"},
    ),
)
tenancy.register(
    ApiKey, Policy(_api_keys, {"view": None, "revoke": "self|owner_admin|platform_admin"})
)
tenancy.register(SecurityEvent, Policy(_platform_admins_only, parties={}))
tenancy.register(Invitation, Policy(_invitations, {"view": None}))
tenancy.register(OrganizationApplication, Policy(_platform_admins_only, parties={}))


# --- Scoped lookups ------------------------------------------------------------------------


def access_organization(actor: Actor, slug: str) -> Organization:
    organization = tenancy.visible(actor, Organization).filter(slug=slug).first()
    if organization is None:
        raise NotVisible()
    return organization


def my_organizations(actor: Actor) -> QuerySet:
    """The active organizations the actor belongs to, by slug."""
    return tenancy.visible(actor, Organization).filter(pk__in=actor.org_ids).order_by("slug")


def prefix_candidates(identifier: str) -> list[str]:
    """'CN-XIAN-TRAIN-1' -> ['CN', 'CN-XIAN', 'CN-XIAN-TRAIN']: the prefixes it could carry."""
    parts = identifier.upper().split("-")
    return ["-".join(parts[:end]) for end in range(1, len(parts))]


def owners_by_prefix(identifier: str) -> QuerySet:
    """The ids of the organizations whose prefix an identifier could carry (at most one matches,
    as prefixes never extend one another). Organizations are not tenant-owned rows.

    The prefix of an organization merged into another (accounts.domain.merging) names the survivor:
    it owns the records that moved and kept their identifiers (IATI: they never change).
    """
    return Organization.objects.filter(identifier_prefix__in=prefix_candidates(identifier)).values(
        owner=Coalesce("merged_into", "pk")
    )
