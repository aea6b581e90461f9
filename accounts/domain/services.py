"""The only code that changes organizations, memberships, platform roles and sister-city links.

Faces (admin, management commands, pages, API) parse their input and call these functions.
Bad input raises `django.core.exceptions.ValidationError` (keyed by field where there is one);
a sister-city action from the wrong state raises `LinkStateError`; who may act is decided by
the boundary (the rules of `accounts/boundary.py`, asked through `registry.tenancy`:
`NotVisible` / `NotAllowed`). Every function runs in one transaction, so nothing is ever
half-saved.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.domain import keys
from accounts.domain.boundary import prefix_candidates
from accounts.domain.registration import check_registration_format, normalize_registration_id
from accounts.models import (
    OPEN_LINK_STATES,
    ApiKey,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    PlatformRole,
    SisterCityLink,
    SisterCityStatus,
    User,
)
from registry import rls
from registry.errors import Conflict
from registry.tenancy import Actor, require


class LinkStateError(Conflict):
    """A sister-city action that the link's current state does not allow (answer 409)."""

    code = "invalid_transition"


# --- Organizations ---------------------------------------------------------------------------

ORGANIZATION_FIELDS = (
    "name",
    "kind",
    "country",
    "city",
    "region",
    "sector",
    "registration_id",
    "website",
    "requires_signoff",
    "is_active",
)


def _as_multilingual(name) -> dict:
    if isinstance(name, str):
        return {"en": name.strip()} if name.strip() else {}
    return name


def _lock_organizations_table() -> None:
    """Serialize organization creation on PostgreSQL.

    The prefix rule compares a new prefix with all others, which a unique index cannot express;
    without this lock two concurrent creations of "CN" and "CN-XIAN" could both pass the check.
    SHARE ROW EXCLUSIVE conflicts with itself and with writers, not with readers. SQLite already
    admits one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Organization._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def check_identifier_prefix(prefix: str, *, exclude_pk: int | None = None) -> None:
    """Refuse a prefix equal to another's, or one that extends or is extended by another's.

    Record identifiers are `{prefix}-{ref}`. If "CN" and "CN-XIAN" both existed, "CN" with ref
    "XIAN-1" and "CN-XIAN" with ref "1" would both make "CN-XIAN-1": identifiers would stop being
    globally unique and would no longer tell which organization owns a record.
    """
    prefix = prefix.upper()
    clash = (
        Organization.objects.annotate(upper_prefix=Upper("identifier_prefix"))
        .filter(
            Q(upper_prefix=prefix)
            | Q(upper_prefix__startswith=f"{prefix}-")
            | Q(upper_prefix__in=prefix_candidates(prefix))
        )
        .exclude(pk=exclude_pk)
        .order_by("identifier_prefix")
        .first()
    )
    if clash is None:
        return
    if clash.identifier_prefix.upper() == prefix:
        message = (
            f"The identifier prefix {prefix} is already used by organization {clash.slug}; "
            "prefixes must be unique."
        )
    else:
        message = (
            f"The identifier prefix {prefix} overlaps {clash.identifier_prefix} of organization "
            f"{clash.slug}: one may not be the other followed by '-', or record identifiers "
            "({prefix}-{ref}) could collide and stop being globally unique."
        )
    raise ValidationError({"identifier_prefix": message}, code="prefix_overlap")


def check_registration_id(organization: Organization) -> None:
    """The national register number has its country's format (accounts.domain.registration) and
    identifies one organization per country (one merged into another no longer counts)."""
    if not organization.registration_id:
        return
    organization.registration_id = normalize_registration_id(
        organization.country, organization.registration_id
    )
    check_registration_format(organization.country, organization.registration_id)
    existing = (
        Organization.objects.filter(
            country=organization.country,
            registration_id=organization.registration_id,
            merged_into__isnull=True,
        )
        .exclude(pk=organization.pk)
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "registration_id": (
                    f"Registration number {organization.registration_id} in "
                    f"{organization.country} already belongs to organization {existing.slug} "
                    f"({existing.display_name})."
                )
            },
            code="duplicate_registration_id",
        )


def _validate_organization(organization: Organization) -> None:
    """Model validation plus the two cross-organization rules, all errors reported at once."""
    errors: dict = {}

    def collect(check, *args, **kwargs):
        try:
            check(*args, **kwargs)
        except ValidationError as error:
            error.update_error_dict(errors)

    collect(organization.clean_fields)
    collect(organization.clean)  # upper-cases the prefix; sector only for market entities
    # Prefix equality is reported by check_identifier_prefix, with the reason.
    collect(organization.validate_unique, exclude=["identifier_prefix"])
    if "sector" not in errors:
        collect(organization.validate_constraints)
    if "identifier_prefix" not in errors:
        collect(check_identifier_prefix, organization.identifier_prefix, exclude_pk=organization.pk)
    if not {"registration_id", "country"} & set(errors):
        collect(check_registration_id, organization)
    if errors:
        raise ValidationError(errors)


def create_organization(
    slug: str,
    name,
    kind: str,
    country: str,
    identifier_prefix: str,
    *,
    requires_signoff: bool = False,
    city: str = "",
    region: str = "",
    sector: str = "",
    registration_id: str = "",
    website: str = "",
) -> Organization:
    """A new tenant. `name` is a language-keyed dict, or a plain string taken as English."""
    organization = Organization(
        slug=slug,
        name=_as_multilingual(name),
        kind=kind,
        country=str(country or "").upper(),
        identifier_prefix=(identifier_prefix or "").strip().upper(),
        requires_signoff=requires_signoff,
        city=city,
        region=region,
        sector=sector,
        registration_id=(registration_id or "").strip(),
        website=website,
    )
    with transaction.atomic():
        _lock_organizations_table()
        _validate_organization(organization)
        organization.save()
    return organization


def update_organization(organization: Organization, **changes) -> Organization:
    """Change an organization's details. The identifier prefix is fixed once created (IATI)."""
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if "identifier_prefix" in unknown:
        new_prefix = str(changes["identifier_prefix"] or "").upper()
        if new_prefix != organization.identifier_prefix.upper():
            raise ValidationError(
                {
                    "identifier_prefix": (
                        "The identifier prefix cannot change: it is part of every record "
                        "identifier, and identifiers are immutable."
                    )
                }
            )
        unknown.discard("identifier_prefix")
        changes.pop("identifier_prefix")
    if unknown:
        raise ValidationError(f"Unknown organization fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        for field_name, value in changes.items():
            if field_name == "name":
                value = _as_multilingual(value)
            if field_name == "country":
                value = str(value or "").upper()
            setattr(locked, field_name, value)
        _validate_organization(locked)
        locked.save()
    return locked


# --- People and their passwords --------------------------------------------------------------


def check_password(password: str, user: User | None = None) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), errors under 'password'.

    Every way a password is set runs them: these services (and so the create_user command), the
    admin's forms and the password change page (Django's forms call the same validators).
    """
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}, code="weak_password") from error


def create_user(username: str, email: str, password: str, language: str = "") -> User:
    """A new person with a password that passes the validators; `language` (one of LANGUAGES,
    else the default) is the one the site and e-mails use for them, and signing in switches to."""
    candidate = User(username=username, email=email)
    check_password(password, candidate)
    extra = {"language": language} if language in dict(settings.LANGUAGES) else {}
    return User.objects.create_user(username=username, email=email, password=password, **extra)


def set_password(user: User, password: str) -> User:
    check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


# --- Memberships and platform roles ----------------------------------------------------------


def memberships_of(user: User):
    """The user's own memberships, for the service's checks."""
    return Membership.objects.unscoped("the service checks the user's own memberships").filter(
        user=user
    )


def _organization_kinds(memberships) -> list[str]:
    """The kinds of the organizations of these memberships of one user.

    The platform-role rule looks at all of the user's memberships, also those in organizations
    the acting admin may not read: row-level security lets the system context count them. Only
    the kinds come out, and only as the reason for a refusal.
    """
    with rls.system_context("the platform-role rule reads all of a user's memberships"):
        return list(memberships.values_list("organization__kind", flat=True))


def _check_platform_role_home(user: User, platform_role: str, organization_kinds) -> None:
    """Platform roles belong to secretariat people (SPEC 2)."""
    kinds = set(organization_kinds)
    if platform_role and kinds and OrganizationKind.SECRETARIAT not in kinds:
        raise ValidationError(
            {
                "platform_role": (
                    f"{user.username} cannot hold the platform role {platform_role}: platform "
                    "roles belong to the secretariat, and this user's memberships are all in "
                    "other organizations. Add a membership in a secretariat organization first."
                )
            },
            code="platform_role_outside_secretariat",
        )


def check_membership(user: User, organization: Organization, role: str) -> None:
    """Would `add_membership` accept this? Raises its ValidationError; changes nothing."""
    if role not in MembershipRole.values:
        raise ValidationError(
            {
                "role": (
                    f"Unknown role {role!r}: a membership role is one of "
                    f"{', '.join(MembershipRole.values)}."
                )
            },
            code="unknown_role",
        )
    if not organization.is_active:
        raise ValidationError(
            {
                "organization": (
                    f"Organization {organization.slug} is deactivated: it cannot take "
                    "new members or role changes."
                )
            },
            code="organization_inactive",
        )
    other_kinds = _organization_kinds(memberships_of(user).exclude(organization=organization))
    _check_platform_role_home(user, user.platform_role, [*other_kinds, organization.kind])


def add_membership(user: User, organization: Organization, role: str) -> Membership:
    """Make `user` a member of `organization` with `role`; run again to change the role."""
    with transaction.atomic():
        # Locked, so that a concurrent deactivation cannot slip in between check and write.
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        check_membership(user, organization, role)
        membership, _ = Membership.objects.unscoped(
            "the service updates this one row"
        ).update_or_create(user=user, organization=organization, defaults={"role": role})
    return membership


def check_remove_membership(user: User, organization: Organization) -> Membership:
    """Would `remove_membership` accept this? Returns the membership; changes nothing."""
    memberships = memberships_of(user)
    membership = memberships.filter(organization=organization).first()
    if membership is None:
        raise ValidationError(
            f"{user.username} is not a member of {organization.slug}.", code="not_a_member"
        )
    remaining_kinds = _organization_kinds(memberships.exclude(pk=membership.pk))
    _check_platform_role_home(user, user.platform_role, remaining_kinds)
    return membership


def remove_membership(user: User, organization: Organization) -> None:
    """End the membership and revoke the user's API keys for that organization."""
    with transaction.atomic():
        list(memberships_of(user).select_for_update())  # lock the user's memberships
        check_remove_membership(user, organization).delete()
        keys.revoke_all(
            ApiKey.objects.unscoped("a removed member's keys for that organization").filter(
                user=user, organization=organization
            )
        )


def check_platform_role(user: User, platform_role: str) -> None:
    """Would `set_platform_role` accept this? Raises its ValidationError; changes nothing."""
    if platform_role not in PlatformRole.values:
        raise ValidationError(
            {
                "platform_role": (
                    f"Unknown platform role {platform_role!r}: use reviewer, platform_admin "
                    "or nothing."
                )
            },
            code="unknown_platform_role",
        )
    kinds = _organization_kinds(memberships_of(user))
    _check_platform_role_home(user, platform_role, kinds)


def set_platform_role(user: User, platform_role: str) -> User:
    """reviewer, platform_admin or "" (none). Platform admins get is_staff for the admin login."""
    platform_role = platform_role or PlatformRole.NONE
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        check_platform_role(user, platform_role)
        user.platform_role = platform_role
        user.is_staff = platform_role == PlatformRole.PLATFORM_ADMIN or user.is_superuser
        user.save(update_fields=["platform_role", "is_staff"])
    return user


# --- Sister-city links: two-party consent ----------------------------------------------------


def _lock_pair(first: Organization, second: Organization) -> dict[int, Organization]:
    """Lock both organizations' rows (in id order, so two proposals cannot deadlock)."""
    rows = Organization.objects.select_for_update().filter(pk__in=[first.pk, second.pk])
    return {row.pk: row for row in rows.order_by("pk")}


def links_between(first: Organization, second: Organization):
    """Every link, in any state and either direction, between two organizations."""
    return SisterCityLink.objects.unscoped("the service checks links in both directions").filter(
        Q(organization_id=first.pk, partner_id=second.pk)
        | Q(organization_id=second.pk, partner_id=first.pk)
    )


def _check_link_parties(from_org: Organization, to_org: Organization) -> None:
    if from_org.pk == to_org.pk:
        raise ValidationError(
            {"partner": "An organization cannot be its own sister city."}, code="link_to_self"
        )
    for side, organization in (("organization", from_org), ("partner", to_org)):
        if organization.kind != OrganizationKind.LOCAL_GOVERNMENT:
            raise ValidationError(
                {
                    side: (
                        f"{organization.slug} is a {organization.kind.replace('_', ' ')}: "
                        "sister-city links join two local governments."
                    )
                },
                code="link_not_local_government",
            )
        if not organization.is_active:
            raise ValidationError(
                {side: f"{organization.slug} is deactivated and cannot take part in a link."},
                code="organization_inactive",
            )


def propose_link(
    actor: Actor, from_org: Organization, to_org: Organization, note: str = ""
) -> SisterCityLink:
    """An admin of `from_org` proposes a partnership; `to_org`'s admins must accept it."""
    with transaction.atomic():
        locked = _lock_pair(from_org, to_org)
        from_org, to_org = locked[from_org.pk], locked[to_org.pk]
        require(actor, "view", from_org)
        link = SisterCityLink(
            organization=from_org, partner=to_org, note=note.strip(), proposed_by=actor.user
        )
        require(actor, "propose", link)
        _check_link_parties(from_org, to_org)
        existing = links_between(from_org, to_org).filter(status__in=OPEN_LINK_STATES)
        existing = existing.first()
        if existing is not None:
            raise ValidationError(
                {
                    "partner": (
                        f"{existing.organization.slug} and {existing.partner.slug} already have a "
                        f"sister-city link that is {existing.status}; end or answer it first."
                    )
                },
                code="link_exists",
            )
        link.full_clean()
        link.save()
    return link


def _lock_link(link: SisterCityLink) -> SisterCityLink:
    return (
        SisterCityLink.objects.unscoped("re-read under lock after the access check")
        .select_for_update()
        .get(pk=link.pk)
    )


def _require_status(link: SisterCityLink, expected: str, action: str) -> None:
    if link.status != expected:
        raise LinkStateError(
            f"Cannot {action} this sister-city link: it is {link.status}, "
            f"and only a {expected} link can be {'ended' if action == 'end' else action + 'd'}."
        )


def _respond(actor: Actor, link: SisterCityLink, action: str, new_status: str) -> SisterCityLink:
    with transaction.atomic():
        require(actor, "respond", link)
        link = _lock_link(link)
        _require_status(link, SisterCityStatus.PROPOSED, action)
        if new_status == SisterCityStatus.ACTIVE:
            _check_link_parties(link.organization, link.partner)
            link.established_on = timezone.localdate()
        link.status = new_status
        link.responded_by = actor.user
        link.save(update_fields=["status", "responded_by", "established_on", "updated_at"])
    return link


def accept_link(actor: Actor, link: SisterCityLink) -> SisterCityLink:
    """The partner side's admin accepts: the link becomes active and public."""
    return _respond(actor, link, "accept", SisterCityStatus.ACTIVE)


def decline_link(actor: Actor, link: SisterCityLink) -> SisterCityLink:
    """The partner side's admin declines the proposal."""
    return _respond(actor, link, "decline", SisterCityStatus.DECLINED)


def end_link(actor: Actor, link: SisterCityLink) -> SisterCityLink:
    """An admin of either side ends an active link."""
    with transaction.atomic():
        require(actor, "end", link)
        link = _lock_link(link)
        _require_status(link, SisterCityStatus.ACTIVE, "end")
        link.status = SisterCityStatus.ENDED
        link.ended_by = actor.user
        link.save(update_fields=["status", "ended_by", "updated_at"])
    return link


# --- Members managed by an organization's admin (the members page) ---------------------------


def _check_keeps_an_admin(organization: Organization, user: User, new_role: str | None) -> None:
    """An organization keeps at least one admin: its last one can neither leave nor step down."""
    if new_role == MembershipRole.ADMIN:
        return
    admins = Membership.objects.unscoped("counting the organization's admins").filter(
        organization=organization, role=MembershipRole.ADMIN
    )
    if not admins.exclude(user=user).exists():
        raise ValidationError(
            {"role": f"{user.username} is the last admin of {organization.slug}; name another."},
            code="last_admin",
        )


def change_member_role(
    actor: Actor, organization: Organization, user: User, role: str
) -> Membership:
    """An admin changes a member's role (never leaving the organization without an admin)."""
    with transaction.atomic():
        require(actor, "manage_members", organization)
        list(memberships_of(user).select_for_update())
        check_remove_membership(user, organization)  # a member now
        _check_keeps_an_admin(organization, user, role)
        return add_membership(user, organization, role)


def remove_member(actor: Actor, organization: Organization, user: User) -> None:
    """An admin ends a membership (and with it the member's API keys for the organization)."""
    with transaction.atomic():
        require(actor, "manage_members", organization)
        _check_keeps_an_admin(organization, user, None)
        remove_membership(user, organization)
