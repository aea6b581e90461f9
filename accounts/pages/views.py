"""Pages of the accounts app. Sign-in, sign-out and password change are Django's own views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.domain import invitations, keys, services
from accounts.domain.boundary import access_organization, my_organizations
from accounts.models import (
    ApiKey,
    Membership,
    Organization,
    OrganizationKind,
    SisterCityLink,
    User,
)
from accounts.pages.forms import (
    ROLE_CHOICES,
    ApiKeyForm,
    InviteMemberForm,
    MemberRoleForm,
    OrganizationSwitchForm,
    SisterCityProposalForm,
    add_service_errors,
)
from accounts.pages.shared import (
    ACTIVE_ORGANIZATION_SESSION_KEY,
    active_organization,
    refused_page,
    safe_next,
)
from registry.errors import DomainError
from registry.tenancy import NotVisible, actor_for_request, allowed, require, visible
from registry.views import asks_confirmation, confirm_first, reversible


def _safe_next(request, candidate: str | None) -> str:
    """Go back where the form was, but never to another site."""
    return safe_next(request, candidate, "home")


@require_POST
@login_required
@reversible("The user switches back at any time; nothing is changed but the session.")
def switch_organization(request):
    """Make one of my organizations the active one. Someone else's organization is refused."""
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of your organizations."))
        return redirect(_safe_next(request, request.POST.get("next")))
    actor = actor_for_request(request)
    slug = form.cleaned_data["organization"]
    organization = my_organizations(actor).filter(slug=slug).first()
    if organization is None:
        messages.error(
            request,
            _("You are not a member of the organization “%(slug)s”.") % {"slug": slug},
        )
    else:
        request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = organization.slug
        messages.success(
            request,
            _("You now work for %(name)s.") % {"name": organization.display_name},
        )
    return redirect(_safe_next(request, form.cleaned_data.get("next")))


# --- My organization: members, API keys, sister-city links (issue 8) --------------------------


FORBIDDEN = 403


def _my_active_organization(request, actor):
    """The organization the user works for now, or None when they belong to none."""
    return active_organization(request, list(my_organizations(actor)))


def _no_organization(request):
    return refused_page(
        request, _("You are not a member of any organization yet."), status=FORBIDDEN
    )


def _members_context(actor, organization, form):
    rows = (
        visible(actor, Membership)
        .filter(organization=organization)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "organization": organization,
        "memberships": rows,
        "invitations": invitations.pending(actor, organization),
        "form": form,
        "role_choices": ROLE_CHOICES,
    }


def invitation_link(request):
    """(token) -> the absolute address of the invitation page, for the e-mail."""
    return lambda token: request.build_absolute_uri(reverse("invitation", args=[token]))


def _managed_organization(request, actor):
    """(organization, None) when the user may manage its members, else (None, refusal page)."""
    organization = _my_active_organization(request, actor)
    if organization is None:
        return None, _no_organization(request)
    if not allowed(actor, "manage_members", organization):
        message = _("Only the admins of %(name)s manage its members.") % {
            "name": organization.display_name
        }
        return None, refused_page(request, message, status=FORBIDDEN)
    return organization, None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def members(request):
    """Members and pending invitations; the form invites an e-mail address (issue 17).

    The answer is "Invitation sent" whether or not the address has an account (finding 6).
    """
    actor = actor_for_request(request)
    organization, refusal = _managed_organization(request, actor)
    if refusal is not None:
        return refusal
    form = InviteMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        try:
            invitations.invite(actor, organization, email, role, invitation_link(request))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
            return redirect("members")
    status = 400 if form.is_bound and form.errors else 200
    context = _members_context(actor, organization, form)
    return render(request, "accounts/members.html", context, status=status)


@reversible(
    "Resending sends the same invitation again: nothing changes until the invitee accepts, and "
    "a pending invitation can be revoked."
)
@login_required
@require_POST
def invitation_resend(request, pk: int):
    def change(actor, organization):
        invitation = invitations.resend(actor, organization, pk, invitation_link(request))
        return _("Invitation sent to %(email)s.") % {"email": invitation.email}

    return _member_change(request, change)


@asks_confirmation
@login_required
@require_POST
def invitation_revoke(request, pk: int):
    """Revoke a pending invitation, after the confirmation page (`confirm_first`)."""
    actor = actor_for_request(request)
    organization, refusal = _managed_organization(request, actor)
    if refusal is not None:
        return refusal
    invitation = invitations.pending(actor, organization).filter(pk=pk).first()
    if invitation is None:
        return refused_page(request, "", status=404)
    page = confirm_first(
        request,
        title=_("Revoke the invitation of %(email)s?") % {"email": invitation.email},
        consequences=[
            _("The link sent to %(email)s will no longer work.") % {"email": invitation.email},
            _("To invite them again, send a new invitation."),
        ],
        confirm_label=_("Yes, revoke the invitation"),
        cancel_url=reverse("members"),
    )
    if page is not None:
        return page

    def change(actor, organization):
        invitation = invitations.revoke(actor, organization, pk)
        return _("The invitation of %(email)s is revoked; its link no longer works.") % {
            "email": invitation.email
        }

    return _member_change(request, change)


def _member(actor, user_id: int):
    person = visible(actor, User).filter(pk=user_id).first()
    if person is None:
        raise NotVisible()
    return person


def _member_change(request, change) -> HttpResponse:
    """Run `change(actor, organization)` for the members page, then go back to it."""
    actor = actor_for_request(request)
    organization, refusal = _managed_organization(request, actor)
    if refusal is not None:
        return refusal
    try:
        message = change(actor, organization)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    else:
        messages.success(request, message)
    return redirect("members")


@login_required
@require_POST
@reversible("A role changed by mistake is changed back on the same page.")
def member_role(request, user_id: int):
    form = MemberRoleForm(request.POST)

    def change(actor, organization):
        if not form.is_valid():
            raise ValidationError(_("Choose a role."))
        person = _member(actor, user_id)
        services.change_member_role(actor, organization, person, form.cleaned_data["role"])
        return _("%(user)s is now %(role)s.") % {
            "user": person.username,
            "role": dict(ROLE_CHOICES)[form.cleaned_data["role"]],
        }

    return _member_change(request, change)


@login_required
@require_POST
@asks_confirmation
def member_remove(request, user_id: int):
    actor = actor_for_request(request)
    organization, refusal = _managed_organization(request, actor)
    if refusal is not None:
        return refusal
    try:
        person = _member(actor, user_id)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    page = confirm_first(
        request,
        title=_("Remove %(user)s from %(name)s?")
        % {"user": person.username, "name": organization.display_name},
        consequences=[
            _("%(user)s will no longer be a member and loses access to its private records.")
            % {"user": person.username},
            _(
                "Their API keys for this organization are revoked; to come back they must be "
                "invited again."
            ),
        ],
        confirm_label=_("Yes, remove the member"),
        cancel_url=reverse("members"),
    )
    if page is not None:
        return page

    def change(actor, organization):
        person = _member(actor, user_id)
        services.remove_member(actor, organization, person)
        return _("%(user)s is no longer a member; their API keys here are revoked.") % {
            "user": person.username
        }

    return _member_change(request, change)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_keys(request):
    """My API keys in the active organization (an admin sees every member's); create, revoke.

    A new key is shown once, on the answer to the form; it is not stored and not shown again.
    """
    actor = actor_for_request(request)
    organization = _my_active_organization(request, actor)
    if organization is None:
        return _no_organization(request)
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw_key = keys.issue_key(
                actor.user,
                organization,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=keys.expiry_in(form.cleaned_data["expires_in_days"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            response = render(
                request,
                "accounts/api_key_created.html",
                {"key": key, "raw_key": raw_key, "organization": organization},
            )
            response["Cache-Control"] = "no-store"
            return response
    rows = (
        visible(actor, ApiKey)
        .filter(organization=organization)
        .select_related("user")
        .order_by("-created_at")
    )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "accounts/api_keys.html",
        {"organization": organization, "keys": rows, "form": form, "now": timezone.now()},
        status=status,
    )


@login_required
@require_POST
@asks_confirmation
def api_key_revoke(request, prefix: str):
    actor = actor_for_request(request)
    key = visible(actor, ApiKey).filter(prefix=prefix).first()
    try:
        if key is None:
            raise NotVisible()
        require(actor, "revoke", key)
        page = confirm_first(
            request,
            title=_("Revoke the key %(prefix)s…?") % {"prefix": prefix},
            consequences=_(
                "Every program that uses this key is refused from now on. A revoked key cannot "
                "be restored; you would create a new one."
            ),
            confirm_label=_("Yes, revoke the key"),
            cancel_url=reverse("api-keys"),
        )
        if page is not None:
            return page
        keys.revoke(key)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": prefix})
    return redirect("api-keys")


def _partner_choices(actor, organization) -> list[tuple[str, str]]:
    candidates = (
        visible(actor, Organization)
        .filter(kind=OrganizationKind.LOCAL_GOVERNMENT, is_active=True)
        .exclude(pk=organization.pk)
        .order_by("slug")
    )
    return [(org.slug, f"{org.display_name} ({org.slug})") for org in candidates]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sister_cities(request):
    """Our sister-city links; an admin proposes one, and answers the proposals made to us."""
    actor = actor_for_request(request)
    organization = _my_active_organization(request, actor)
    if organization is None:
        return _no_organization(request)
    is_admin = actor.is_at_least("admin", organization.pk)
    form = SisterCityProposalForm(
        request.POST if request.method == "POST" else None,
        partners=_partner_choices(actor, organization),
    )
    if request.method == "POST":
        if not is_admin:
            message = _("Only the admins of %(name)s propose sister-city links.") % {
                "name": organization.display_name
            }
            return refused_page(request, message, status=FORBIDDEN)
        if form.is_valid():
            try:
                partner = access_organization(actor, form.cleaned_data["partner"])
                services.propose_link(actor, organization, partner, form.cleaned_data["note"])
            except ValidationError as error:
                add_service_errors(form, error)
            except DomainError as error:
                return refused_page(request, error.message, status=error.status)
            else:
                messages.success(
                    request,
                    _("The link is proposed; %(name)s's admins will answer it.")
                    % {"name": partner.display_name},
                )
                return redirect("sister-cities")
    links = (
        visible(actor, SisterCityLink)
        .filter(Q(organization=organization) | Q(partner=organization))
        .select_related("organization", "partner")
        .order_by("-created_at")
    )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "accounts/sister_cities.html",
        {"organization": organization, "links": links, "form": form, "is_admin": is_admin},
        status=status,
    )


SISTER_CITY_ANSWERS = {
    "accept": (services.accept_link, gettext_lazy("The link is accepted and now public.")),
    "decline": (services.decline_link, gettext_lazy("The proposal is declined.")),
    "end": (services.end_link, gettext_lazy("The sister-city link is ended.")),
}


# The answers that cannot be undone, asked once more: (the question, what happens, the button).
SISTER_CITY_QUESTIONS = {
    "decline": (
        gettext_lazy("Decline the sister-city link with %(name)s?"),
        gettext_lazy("The proposal is closed; a new link needs a new proposal."),
        gettext_lazy("Yes, decline the proposal"),
    ),
    "end": (
        gettext_lazy("End the sister-city link with %(name)s?"),
        gettext_lazy(
            "The link is no longer shown as active on either organization's public page; to "
            "link again, one side proposes a new link and the other accepts it."
        ),
        gettext_lazy("Yes, end the link"),
    ),
}


@login_required
@require_POST
@asks_confirmation
def sister_city_answer(request, pk: int, answer: str):
    if answer not in SISTER_CITY_ANSWERS:
        raise Http404
    service, message = SISTER_CITY_ANSWERS[answer]
    actor = actor_for_request(request)
    links = visible(actor, SisterCityLink).select_related("organization", "partner")
    link = links.filter(pk=pk).first()
    try:
        if link is None:
            raise NotVisible()
        if answer in SISTER_CITY_QUESTIONS:
            require(actor, "respond" if answer == "decline" else "end", link)
            question, consequence, button = SISTER_CITY_QUESTIONS[answer]
            mine = _my_active_organization(request, actor)
            ours = mine is not None and link.organization_id == mine.pk
            other = link.partner if ours else link.organization
            page = confirm_first(
                request,
                title=question % {"name": other.display_name},
                consequences=consequence,
                confirm_label=button,
                cancel_url=reverse("sister-cities"),
            )
            if page is not None:
                return page
        service(actor, link)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(request, message)
    return redirect("sister-cities")
