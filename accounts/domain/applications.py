"""Organizations that apply to join (issue 17).

Anyone submits an application at /organizations/apply/; platform admins see the pending ones
with the organizations each likely duplicates (accounts.domain.duplicates), and approve it (the
organization is created with its identifier prefix, and the applicant is invited as its admin)
or decline it with a reason. The applicant is told by e-mail each time, in the language they
applied in.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import duplicates, invitations, services
from accounts.domain.registration import check_registration_format, normalize_registration_id
from accounts.models import (
    ApplicationStatus,
    MembershipRole,
    Organization,
    OrganizationApplication,
    OrganizationKind,
)
from registry import mail
from registry.errors import Conflict, DomainError
from registry.tenancy import Actor, NotAllowed, visible

# Who may apply: not the secretariat, which the platform's operators set up.
APPLYING_KINDS = [
    OrganizationKind.LOCAL_GOVERNMENT,
    OrganizationKind.MARKET_ENTITY,
    OrganizationKind.PARTNER,
]


# /organizations/apply/ is a page: an organization of that slug would hide its directory page.
RESERVED_SLUGS = frozenset({"apply"})


class AlreadyDecided(Conflict):
    code = "application_decided"


class ApplicationNotFound(DomainError):
    status = 404
    code = "not_found"


def _notify(template: str, application: OrganizationApplication, **extra) -> None:
    context = {"application": application, **extra}
    recipient, language = application.applicant_email, application.language
    transaction.on_commit(
        lambda: mail.send_templated(template, [recipient], context, language=language)
    )


APPLICATIONS_PER_ADDRESS = 5
APPLICATION_WINDOW = 3600  # seconds


class TooManyApplications(DomainError):
    status = 429
    code = "too_many_applications"


def count_application(address: str) -> None:
    """At most APPLICATIONS_PER_ADDRESS applications an hour from one address: the form is
    open to anyone, and each application sends an e-mail to the address it names."""
    key = f"applications:{address}"
    cache.add(key, 0, timeout=APPLICATION_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, timeout=APPLICATION_WINDOW)
        count = 1
    if count > APPLICATIONS_PER_ADDRESS:
        raise TooManyApplications(
            _("Too many applications from your network; please try again in an hour.")
        )


def submit(**fields) -> OrganizationApplication:
    """Record an application (from anyone) and acknowledge it to the applicant."""
    application = OrganizationApplication(**fields)
    if application.kind not in APPLYING_KINDS:
        raise ValidationError({"kind": _("Choose a kind.")}, code="invalid_kind")
    application.registration_id = normalize_registration_id(
        str(application.country), application.registration_id
    )
    check_registration_format(str(application.country), application.registration_id)
    application.full_clean(exclude=["created_organization", "decided_by", "decided_at", "status"])
    with transaction.atomic():
        application.save()
        _notify("application_received", application)
    return application


def _require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise NotAllowed(_("Only platform admins decide applications."))


def pending(actor: Actor):
    """The applications waiting for a decision, oldest first (platform admins only)."""
    rows = visible(actor, OrganizationApplication).filter(status=ApplicationStatus.PENDING)
    return rows.order_by("created_at")


def with_duplicates(actor: Actor, applications) -> list[tuple]:
    """(application, [(organization, likeness)]) for the dashboard: one query of organizations."""
    applications = list(applications)
    if not applications:
        return []
    organizations = list(visible(actor, Organization))
    return [(item, duplicates.similar_to(item, organizations)) for item in applications]


def _pending_one(actor: Actor, pk: int) -> OrganizationApplication:
    _require_platform_admin(actor)
    application = visible(actor, OrganizationApplication).select_for_update().filter(pk=pk).first()
    if application is None:
        raise ApplicationNotFound(_("There is no such application."))
    if application.status != ApplicationStatus.PENDING:
        raise AlreadyDecided(_("This application was decided already."))
    return application


def find(actor: Actor, pk: int) -> OrganizationApplication:
    _require_platform_admin(actor)
    application = visible(actor, OrganizationApplication).filter(pk=pk).first()
    if application is None:
        raise ApplicationNotFound(_("There is no such application."))
    return application


def _decided(actor: Actor, application: OrganizationApplication, status: str) -> None:
    application.status = status
    application.decided_by = actor.user
    application.decided_at = timezone.now()


def approve(
    actor: Actor, pk: int, *, slug: str, identifier_prefix: str, link_for
) -> OrganizationApplication:
    """Create the organization and invite the applicant as its admin, in one transaction."""
    if slug in RESERVED_SLUGS:
        message = _("This address name is taken by a page of the site; choose another.")
        raise ValidationError({"slug": message}, code="reserved_slug")
    with transaction.atomic():
        application = _pending_one(actor, pk)
        organization = services.create_organization(
            slug=slug,
            name=application.name,
            kind=application.kind,
            country=str(application.country),
            identifier_prefix=identifier_prefix,
            registration_id=application.registration_id,
            website=application.website,
        )
        letter = ("application_approved", {"application": application}, application.language)
        invitations.invite(
            actor,
            organization,
            application.applicant_email,
            MembershipRole.ADMIN,
            link_for,
            letter=letter,
        )
        _decided(actor, application, ApplicationStatus.APPROVED)
        application.created_organization = organization
        application.save()
    return application


def decline(actor: Actor, pk: int, *, reason: str) -> OrganizationApplication:
    """Decline with a reason, which the applicant reads in the e-mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the applicant.")}, code="required")
    with transaction.atomic():
        application = _pending_one(actor, pk)
        _decided(actor, application, ApplicationStatus.DECLINED)
        application.decline_reason = reason
        application.save()
        _notify("application_declined", application)
    return application
