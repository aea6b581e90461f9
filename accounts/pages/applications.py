"""Organizations apply to join; platform admins decide (issue 17).

Mounted at /organizations/ by registry/urls.py, before the organization directory's slug routes.
The rules live in accounts.domain.applications.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.domain import applications
from accounts.pages.forms import ApplicationForm, ApprovalForm, DeclineForm, add_service_errors
from accounts.pages.views import invitation_link, refused_page
from registry.client import client_address
from registry.errors import DomainError
from registry.tenancy import actor_for_request
from registry.views import reversible

SITE_LANGUAGES = {"en": "en", "zh-hans": "zh-hans", "ru": "ru"}


@require_http_methods(["GET", "HEAD", "POST"])
def apply(request):
    """The application form; the applicant gets an acknowledgement by e-mail."""
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applications.count_application(client_address(request))
        except DomainError as error:
            return refused_page(request, error.message, status=error.status)
        try:
            applications.submit(
                name=form.names(),
                kind=data["kind"],
                country=data["country"],
                registration_id=data["registration_id"],
                website=data["website"],
                applicant_name=data["applicant_name"],
                applicant_email=data["applicant_email"],
                language=SITE_LANGUAGES.get(get_language() or "", "en"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you: the secretariat will review the application and answer by e-mail."),
            )
            return redirect("home")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/apply.html", {"form": form}, status=status)


def _suggested(application) -> dict:
    base = slugify(application.name.get("en") or application.applicant_email.split("@")[0])
    return {
        "slug": base[:64],
        "identifier_prefix": f"{application.country}-{base.split('-')[0][:8]}".upper(),
    }


def _decision_page(request, actor, pk, approval=None, decline=None, status=200):
    application = applications.find(actor, pk)
    [(_item, likely)] = applications.with_duplicates(actor, [application])
    context = {
        "application": application,
        "likely": likely,
        "approval": approval or ApprovalForm(initial=_suggested(application)),
        "decline": decline or DeclineForm(),
    }
    return render(request, "accounts/application.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def application(request, pk: int):
    """One application, its likely duplicates, and the approve and decline forms."""
    try:
        return _decision_page(request, actor_for_request(request), pk)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)


@reversible(
    "The decision page is the confirmation: the platform admin reads the application and its "
    "likely duplicates and sets the identifier prefix before pressing Approve."
)
@login_required
@require_POST
def application_approve(request, pk: int):
    def approve(actor, data):
        done = applications.approve(
            actor,
            pk,
            slug=data["slug"],
            identifier_prefix=data["identifier_prefix"],
            link_for=invitation_link(request),
        )
        return _("%(name)s is created; its applicant is invited as its admin.") % {
            "name": done.created_organization.display_name
        }

    return _decide(request, pk, ApprovalForm(request.POST), "approval", approve)


@reversible(
    "The decision page is the confirmation: declining needs the reason written there, which the "
    "applicant receives; they may apply again."
)
@login_required
@require_POST
def application_decline(request, pk: int):
    def decline(actor, data):
        done = applications.decline(actor, pk, reason=data["reason"])
        return _("The application of %(name)s is declined; the applicant is told why.") % {
            "name": done.display_name
        }

    return _decide(request, pk, DeclineForm(request.POST), "decline", decline)


def _decide(request, pk: int, form, form_name: str, act):
    """Take the platform admin's decision (`act(actor, cleaned data)` -> the message to show):
    to the dashboard once taken, else the decision page again with the form's errors."""
    actor = actor_for_request(request)
    try:
        if form.is_valid():
            try:
                said = act(actor, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, said)
                return redirect("dashboard")
        return _decision_page(request, actor, pk, status=400, **{form_name: form})
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
