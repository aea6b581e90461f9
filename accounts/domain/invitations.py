"""Invitations by e-mail (issue 17, finding 6): membership only with the invitee's consent.

An organization's admin invites an address with a role. The invitee gets a link with a random
token; only its SHA-256 is stored. The link works once and for `INVITATION_DAYS`. Opening it,
a person without an account chooses a username and password; a person with one signs in and
accepts. Only acceptance creates the membership.

The admin's answer is the same whether or not the address has an account: nobody learns from
the members page who has one. The token page is read before anyone is known; the database lets
it find the one row whose hash the request presents (`registry.rls.presenting_invitation`),
and the membership is written in the system context, because the invitee is not (yet) an
admin of the organization: the token is the organization admin's consent, the click the
invitee's.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import services
from accounts.models import Invitation, MembershipRole, Organization, User
from registry import mail, rls
from registry.errors import DomainError
from registry.tenancy import Actor, require, visible

INVITATION_DAYS = 7

# (token) -> the absolute address of the invitation page; the face knows the site's address.
LinkFor = Callable[[str], str]


class InvitationInvalid(DomainError):
    """The link was never issued, was revoked or used, or expired: one answer for all."""

    status = 404
    code = "invitation_invalid"

    def __init__(self):
        super().__init__(
            _("This invitation link is not valid: it was used, revoked or has expired.")
        )


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _normalized_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("Enter a valid e-mail address.")}, code="invalid"
        ) from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def pending(actor: Actor, organization: Organization):
    """The organization's invitations still open (not accepted, not revoked, not expired)."""
    return (
        visible(actor, Invitation)
        .filter(
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("email")
    )


def _send(invitation: Invitation, token: str, link_for: LinkFor, inviter: str, letter) -> None:
    """After commit, the e-mail with the link: `letter` is (template, extra context, language)."""
    template, extra, language = letter or ("invitation", {}, None)
    context = {
        "organization": invitation.organization,
        "role": invitation.get_role_display(),
        "inviter": inviter,
        "link": link_for(token),
        **extra,
    }
    recipient = invitation.email
    language = _known_language(recipient) or language
    transaction.on_commit(
        lambda: mail.send_templated(template, [recipient], context, language=language)
    )


def _known_language(email: str) -> str | None:
    """The language of an account with this address, if any: the mail says nothing else."""
    with rls.system_context("the language of an invitation e-mail"):
        user = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
    return user.language if user else None


def invite(
    actor: Actor,
    organization: Organization,
    email: str,
    role: str,
    link_for: LinkFor,
    letter: tuple[str, dict, str | None] | None = None,
) -> Invitation:
    """Invite `email` with `role`; an open invitation of the same address is renewed instead.

    Whether the address has an account changes nothing in the answer (finding 6). `letter`
    replaces the invitation e-mail (an approved application's, accounts.domain.applications).
    """
    email = _normalized_email(email)
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose a role.")}, code="unknown_role")
    with transaction.atomic():
        require(actor, "manage_members", organization)
        token, digest = _new_token()
        invitation = pending(actor, organization).filter(email__iexact=email).first()
        if invitation is None:
            invitation = Invitation(organization=organization, email=email)
        invitation.role = role
        invitation.token_hash = digest
        invitation.invited_by = actor.user
        invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
        invitation.save()
        inviter = actor.user.get_full_name() or actor.user.username
        _send(invitation, token, link_for, inviter, letter)
    return invitation


def _own(actor: Actor, organization: Organization, invitation_id: int) -> Invitation:
    invitation = pending(actor, organization).select_for_update().filter(pk=invitation_id).first()
    if invitation is None:
        raise InvitationInvalid()
    return invitation


def resend(actor: Actor, organization: Organization, invitation_id: int, link_for) -> Invitation:
    """A new link (the old one stops working) and seven more days."""
    with transaction.atomic():
        require(actor, "manage_members", organization)
        invitation = _own(actor, organization, invitation_id)
        return invite(actor, organization, invitation.email, invitation.role, link_for)


def revoke(actor: Actor, organization: Organization, invitation_id: int) -> Invitation:
    with transaction.atomic():
        require(actor, "manage_members", organization)
        invitation = _own(actor, organization, invitation_id)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _usable(invitation: Invitation | None) -> Invitation:
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= timezone.now()
        or not invitation.organization.is_active
    ):
        raise InvitationInvalid()
    return invitation


def presented(token: str) -> Invitation:
    """The open invitation this token names, else InvitationInvalid (the token page)."""
    with transaction.atomic(), rls.presenting_invitation(token_hash(token)):
        rows = Invitation.objects.unscoped("the token page finds its invitation by the hash")
        return _usable(
            rows.select_related("organization").filter(token_hash=token_hash(token)).first()
        )


def accept(token: str, user: User) -> Invitation:
    """`user` accepts: the membership is created (or its role set) and the link is used up."""
    digest = token_hash(token)
    with transaction.atomic(), rls.presenting_invitation(digest):
        rows = Invitation.objects.unscoped("the invitee accepts by the token's hash")
        invitation = _usable(
            rows.select_for_update(of=("self",))
            .select_related("organization")
            .filter(token_hash=digest)
            .first()
        )
        with rls.system_context("the invitee accepts an admin's invitation"):
            # A member already keeps their role: an invitation never demotes anyone (nor
            # leaves the organization without an admin); the admins change roles on their page.
            if (
                not services.memberships_of(user)
                .filter(organization=invitation.organization)
                .exists()
            ):
                services.add_membership(user, invitation.organization, invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation


def accept_as_new_user(
    token: str, username: str, password: str, language: str = ""
) -> tuple[Invitation, User]:
    """A person without an account chooses a username and password and accepts at once; the
    language they did it in becomes their own (signing in later switches the site to it)."""
    with transaction.atomic():
        invitation = presented(token)
        username = (username or "").strip()
        if not username:
            raise ValidationError({"username": _("Choose a username.")}, code="required")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                {"username": _("This username is taken; choose another.")}, code="username_taken"
            )
        user = services.create_user(username, invitation.email, password, language)
        return accept(token, user), user
