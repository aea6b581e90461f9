"""The signed-in pages of the records (SPEC 7, issue 8): dashboard, create and edit forms, the
workflow buttons, the review page with its diff, and each record's history.

Every view is thin: the boundary says which records and whether the user may act
(`projects.domain.boundary`, `registry.tenancy`), the services make every change
(`projects.domain.services`,
`projects.domain.workflow`, `projects.domain.participants`), exactly as the API calls them. A
refusal
(`DomainError`) becomes a friendly page with its status (403, 404, 409, 412); field errors go
back onto the form, next to the field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.domain import applications
from accounts.domain.boundary import access_organization, my_organizations
from accounts.pages.shared import active_organization, refused_page, safe_next
from projects.choices import WorkflowAction, WorkflowState
from projects.domain import participants, permissions, services, workflow
from projects.domain.boundary import access_record
from projects.domain.content import content_of
from projects.domain.content_checks import publish_errors
from projects.domain.revisions import diff, pending_revisions, revisions_of
from projects.models import Participation, Project
from projects.pages import dashboard
from projects.pages.documents import documents_context
from projects.pages.forms import ActionForm, ParticipantFormSet, RecordForm
from projects.pages.record_types import RECORD_NOUNS, detail_url, edit_url, model_for
from projects.pages.templatetags.record_tags import record_title
from registry.errors import DomainError
from registry.tenancy import NotVisible, actor_for_request, allowed, require, visible
from registry.views import asks_confirmation, confirm_first, reversible

# --- Dashboard ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard_page(request):
    actor = actor_for_request(request)
    organization = active_organization(request, list(my_organizations(actor)))
    context = {
        "sections": dashboard.waiting_for(actor),
        "can_create": organization is not None and actor.is_at_least("editor", organization.pk),
        # Organizations applying to join (issue 17), with their likely duplicates.
        "applications": (
            applications.with_duplicates(actor, applications.pending(actor))
            if actor.is_platform_admin
            else []
        ),
    }
    return render(request, "projects/records/dashboard.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard_list_page(request, list_name: str):
    """One list of the dashboard, `dashboard.PAGE_SIZE` items at a time after `?cursor=` (issue
    21); a list this person's dashboard does not have is not found."""
    actor = actor_for_request(request)
    name = list_name.replace("-", "_")
    if name not in dashboard.list_names(actor):
        raise Http404
    if name == dashboard.PARTICIPATIONS:
        listing = dashboard.participation_page(actor, request.GET.get("cursor"))
    else:
        listing = dashboard.one_list(actor, name, request.GET.get("cursor"))
    context = {"listing": listing, "title": DASHBOARD_TITLES[name]}
    return render(request, "projects/records/dashboard_list.html", context)


# Each dashboard list's heading (the dashboard's own and its page's).
DASHBOARD_TITLES = {
    "drafts": gettext_lazy("My drafts"),
    "organization_drafts": gettext_lazy("Drafts of my organization"),
    "sent": gettext_lazy("Sent, waiting for others"),
    "changes_requested": gettext_lazy("Changes requested"),
    "signoffs": gettext_lazy("Sign-offs to give"),
    "reviews": gettext_lazy("Reviews waiting"),
    "stale": gettext_lazy("Records to reconfirm"),
    "participation_requests": gettext_lazy("Participation requests"),
}


# --- Create and edit -----------------------------------------------------------------------------


def _add_participants(actor, project, chosen: list[tuple[str, str]]) -> None:
    """Name the participants; another organization's answer comes later (its admins' inbox)."""
    for slug, role in chosen:
        try:
            organization = access_organization(actor, slug)
        except NotVisible:
            raise ValidationError(
                {"__all__": [_("No organization %(slug)s.") % {"slug": slug}]}
            ) from None
        participants.add_participant(actor, project, organization, role)


def _form_page(request, model, form, *, record=None, organization=None, formset=None, status=200):
    actor = actor_for_request(request)
    revision = pending_revisions(actor, model, [record]).get(record.pk) if record else None
    context = {
        "form": form,
        "formset": formset,
        "model": model,
        "record_type": model.record_type,
        "noun": RECORD_NOUNS[model.record_type],
        "record": record,
        "organization": organization,
        "participations": _participations(actor, record),
        "participant_form": ParticipantFormSet.form(auto_id="id_add_%s"),
        "locked_state": record is not None
        and permissions.edit_refusal(record, revision) is not None,
        **(documents_context(actor, record) if record is not None else {}),
    }
    return render(request, "projects/records/record_form.html", context, status=status)


def _participants_formset(post):
    """The participant rows of the new project form ("add another" asks for one more)."""
    if post is not None and post.get("add_row") == "participants":
        post = post.copy()
        key = "participants-TOTAL_FORMS"
        post[key] = str(min(int(post.get(key) or 0) + 1, ParticipantFormSet.max_num))
    return ParticipantFormSet(post, prefix="participants")


def _participations(actor, record):
    if not isinstance(record, Project):
        return []
    return list(
        visible(actor, Participation)
        .filter(project=record)
        .select_related("participant")
        .order_by("pk")
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_create(request, record_type: str):
    model = model_for(record_type)
    actor = actor_for_request(request)
    organization = active_organization(request, list(my_organizations(actor)))
    if organization is None or not allowed(actor, "create", model(organization=organization)):
        return refused_page(
            request,
            _("Creating records needs the editor or admin role in an organization."),
            status=403,
        )
    post = request.POST if request.method == "POST" else None
    form = RecordForm(model, post, creating=True)
    formset = _participants_formset(post) if model is Project else None
    if post is None or form.adding_row:
        return _form_page(request, model, form, organization=organization, formset=formset)
    data, readable = _read(form, formset)
    if not readable:
        # The services check what could be read: every error at once, not one round each.
        errors = services.field_errors(
            actor, model, organization, form.readable_part(data), draft=True
        )
        form.add_service_errors(errors)
        return _form_page(
            request, model, form, organization=organization, formset=formset, status=400
        )
    chosen = [f.chosen for f in formset.forms if f.chosen] if formset is not None else []
    try:
        with transaction.atomic():
            record = services.create_record(
                actor,
                model,
                organization,
                data,
                ref=form.cleaned_data.get("ref") or None,
                draft=True,
            )
            _add_participants(actor, record, chosen)
    except ValidationError as error:
        form.add_service_errors(error)
        return _form_page(
            request, model, form, organization=organization, formset=formset, status=400
        )
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(
        request, _("%(identifier)s was created as a draft.") % {"identifier": record.identifier}
    )
    return redirect(detail_url(record))


def _read(form, formset=None) -> tuple[dict, bool]:
    """(the record content the form holds, whether all of it could be read)."""
    valid = form.is_valid() and (formset is None or formset.is_valid())
    data = form.data_for_service()
    return data, valid and not form.has_any_error


def _editable_content(actor, record) -> dict:
    """What the form starts from: the pending revision's proposal if the user sees one."""
    revision = pending_revisions(actor, type(record), [record]).get(record.pk)
    return revision.content if revision is not None else content_of(record)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_edit(request, record_type: str, identifier: str):
    model = model_for(record_type)
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model, identifier)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    if not allowed(actor, "change", record):
        return refused_page(
            request,
            _("Only editors and admins of the record's organization may edit it."),
            status=403,
        )
    content = _editable_content(actor, record)
    if request.method != "POST":
        form = RecordForm(model, content=content, initial={"version": record.version})
        if request.GET.get("check") == PUBLISH_CHECK:
            form.show_errors(publish_errors(model, content))
        return _edit_page(request, form, record)
    form = RecordForm(model, request.POST, content=content)
    status = 200 if form.adding_row else _save_edit(actor, form, record)
    if status is not None:
        return _edit_page(request, form, record, status)
    if record.workflow_state == WorkflowState.PUBLISHED:
        saved = _(
            "Your changes are saved in a pending revision. The published content stays as it "
            "is until a reviewer approves them."
        )
    else:
        saved = _("Your changes are saved.")
    messages.success(request, saved)
    return redirect(detail_url(record))


# `?check=publish` on the edit page: what publishing still needs, marked on the fields.
PUBLISH_CHECK = "publish"


def _edit_page(request, form, record, status: int = 200):
    return _form_page(
        request, type(record), form, record=record, organization=record.organization, status=status
    )


def _save_edit(actor, form, record) -> int | None:
    """Save what the form holds as the record's draft content: None once saved, else the
    status of the page that shows the form again with every error on it."""
    data, readable = _read(form)
    if not readable:
        part = form.readable_part(data)
        model, organization = type(record), record.organization
        errors = services.field_errors(actor, model, organization, part, record, draft=True)
        form.add_service_errors(errors)
        return 400
    try:
        services.update_record(
            actor, record, data, expected_version=form.cleaned_data.get("version"), draft=True
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return 400
    except DomainError as error:
        form.add_error(None, error.message)
        return error.status
    return None


# --- Participants --------------------------------------------------------------------------------


@login_required
@require_POST
@reversible("The named organization confirms or declines it; nothing is public before.")
def participant_add(request, identifier: str):
    actor = actor_for_request(request)
    form = ParticipantFormSet.form(request.POST)
    try:
        project = access_record(actor, Project, identifier)
        if not form.is_valid() or form.chosen is None:
            raise ValidationError(
                form.non_field_errors() or [_("Choose the organization and its role.")]
            )
        _add_participants(actor, project, [form.chosen])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(reverse("project-edit", args=[identifier]))
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(
        request,
        _("The participant was added. Another organization must confirm its participation."),
    )
    return redirect(reverse("project-edit", args=[identifier]))


@login_required
@require_POST
@asks_confirmation
def participation_answer(request, identifier: str, pk: int, answer: str):
    """The participant organization's admin confirms or declines taking part (an answer is
    final, so it is asked once more)."""
    if answer not in ("confirm", "decline"):
        raise Http404
    actor = actor_for_request(request)
    participation = (
        visible(actor, Participation).filter(project__identifier=identifier, pk=pk).first()
    )
    try:
        if participation is None:
            raise NotVisible()
        require(actor, "respond", participation)
        page = confirm_first(
            request,
            title=PARTICIPATION_QUESTIONS[answer] % {"identifier": identifier},
            consequences=_("Your answer is final: it cannot be changed afterwards."),
            confirm_label=PARTICIPATION_BUTTONS[answer],
            cancel_url=safe_next(request, request.POST.get("next"), reverse("dashboard")),
            danger=answer == "decline",
        )
        if page is not None:
            return page
        participants.respond_participation(actor, participation, accept=answer == "confirm")
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    if answer == "confirm":
        messages.success(
            request,
            _("You confirmed your organization's participation in %(identifier)s.")
            % {"identifier": identifier},
        )
    else:
        messages.success(
            request,
            _("You declined the participation in %(identifier)s.") % {"identifier": identifier},
        )
    return redirect(safe_next(request, request.POST.get("next"), reverse("dashboard")))


PARTICIPATION_QUESTIONS = {
    "confirm": gettext_lazy("Confirm your organization's participation in %(identifier)s?"),
    "decline": gettext_lazy("Decline the participation in %(identifier)s?"),
}
PARTICIPATION_BUTTONS = {
    "confirm": gettext_lazy("Yes, confirm the participation"),
    "decline": gettext_lazy("Yes, decline the participation"),
}


# --- Workflow actions ----------------------------------------------------------------------------

# What the page says once an action is done.
ACTION_DONE = {
    "submit": gettext_lazy("%(identifier)s is submitted."),
    "signoff": gettext_lazy("%(identifier)s is signed off and goes to the reviewers."),
    "withdraw": gettext_lazy("%(identifier)s is withdrawn and can be edited again."),
    "approve": gettext_lazy("%(identifier)s is approved and published."),
    "request_changes": gettext_lazy("Changes are requested on %(identifier)s."),
    "reject": gettext_lazy("%(identifier)s is rejected."),
    "reopen": gettext_lazy("%(identifier)s is reopened as a draft."),
    "archive": gettext_lazy("%(identifier)s is archived."),
    "reconfirm": gettext_lazy("%(identifier)s is confirmed as still current."),
}


@login_required
@require_POST
@asks_confirmation
def record_action(request, record_type: str, identifier: str, action: str):
    """One action's own route (a promise since issue 8); the decision form posts to
    `record_decision`, which takes the same path."""
    if action not in workflow.TRANSITIONS:
        raise Http404
    return _decide(request, record_type, identifier, action)


@login_required
@require_POST
@asks_confirmation
def record_decision(request, record_type: str, identifier: str):
    """The one decision form (issue 18): the chosen action (a radio), one comment, one route."""
    action = request.POST.get("action", "")
    if action not in workflow.TRANSITIONS:
        error = ValidationError({"action": [_("Choose what to do with the record.")]})
        return _action_failed(request, model_for(record_type), identifier, "", error)
    return _decide(request, record_type, identifier, action)


def _decide(request, record_type: str, identifier: str, action: str):
    """Take `action` (asking first when it cannot be undone), then go back where the form was."""
    model = model_for(record_type)
    actor = actor_for_request(request)
    form = ActionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        comment = form.cleaned_data["comment"]
        transition = workflow.TRANSITIONS[action]
        if transition.final:
            record = access_record(actor, model, identifier)
            option = workflow.option(actor, transition, record, None)
            if option.refusal is not None:
                raise option.refusal
            if transition.comment_required and not comment.strip():
                workflow.perform(actor, model, identifier, action, comment=comment)  # says why
            page = confirm_first(
                request,
                title=_("%(action)s %(identifier)s?")
                % {"action": transition.label, "identifier": identifier},
                consequences=[
                    FINAL_CONSEQUENCES.get(action, ACTION_DONE[action]) % {"identifier": identifier}
                ],
                confirm_label=transition.label,
                cancel_url=safe_next(request, form.cleaned_data.get("next"), detail_url(record)),
            )
            if page is not None:
                return page
        record = workflow.perform(actor, model, identifier, action, comment=comment)
    except ValidationError as error:
        if _incomplete_to_fix_in_form(actor, model, identifier, action, error):
            messages.error(
                request,
                _(
                    "%(identifier)s is not sent for review yet: it needs what is marked below. "
                    "Fill it in, save, then submit again."
                )
                % {"identifier": identifier},
            )
            return redirect(f"{edit_url(model.record_type, identifier)}?check={PUBLISH_CHECK}")
        return _action_failed(request, model, identifier, action, error)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(request, ACTION_DONE[action] % {"identifier": identifier})
    return redirect(safe_next(request, form.cleaned_data.get("next"), detail_url(record)))


# What a final action does, said on its confirmation page.
FINAL_CONSEQUENCES = {
    "archive": gettext_lazy(
        "%(identifier)s will be archived: it stays readable, marked as archived, and can no "
        "longer be edited, revised or published again."
    ),
}


def _incomplete_to_fix_in_form(actor, model, identifier, action, error) -> bool:
    """Was a submit refused for the record's content, by someone who can fix it in the form?
    (GOV.UK: send people to the question, not to a page about the problem.)"""
    if action != WorkflowAction.SUBMIT:
        return False
    fields = error.message_dict if hasattr(error, "error_dict") else {}
    if not fields or set(fields) & {"action", "comment"}:
        return False
    try:
        return allowed(actor, "change", access_record(actor, model, identifier))
    except DomainError:
        return False


def _action_failed(request, model, identifier, action, error: ValidationError):
    """A comment missing or the record incomplete: say what, and where to fix it."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    try:  # the decision form again, with what was chosen and written (GOV.UK: fix it here)
        record = access_record(actor_for_request(request), model, identifier)
    except DomainError:
        record = None
    return render(
        request,
        "projects/records/action_failed.html",
        {
            "action_label": WorkflowAction(action).label if action else _("Decision"),
            "identifier": identifier,
            "errors": sorted(by_field.items()),
            "record": record,
            "chosen": action,
            "comment": request.POST.get("comment", ""),
            "decision_errors": {field for field in by_field if field in ("action", "comment")},
            "edit_url": edit_url(model.record_type, identifier),
            "back_url": safe_next(
                request, request.POST.get("next"), f"/{model.record_type}/{identifier}/"
            ),
        },
        status=400,
    )


@login_required
@require_POST
@asks_confirmation
def discard_revision(request, record_type: str, identifier: str):
    model = model_for(record_type)
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model, identifier)
        revision = pending_revisions(actor, model, [record]).get(record.pk)
        option = permissions.may_discard_revision(actor, record, revision)
        if option.refusal is not None:
            services.discard_revision(actor, record)  # refuses, and notes the refusal
        page = confirm_first(
            request,
            title=_("Discard the pending revision of %(identifier)s?") % {"identifier": identifier},
            consequences=_(
                "The proposed changes will be lost. The published content stays as it is."
            ),
            confirm_label=_("Discard the pending revision"),
            cancel_url=detail_url(record),
        )
        if page is not None:
            return page
        record = services.discard_revision(actor, record)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(
        request, _("The pending revision was discarded; the published content is unchanged.")
    )
    return redirect(detail_url(record))


@login_required
@require_POST
@asks_confirmation
def record_delete(request, record_type: str, identifier: str):
    """Delete a draft, after a confirmation step (the first POST asks, the second deletes)."""
    model = model_for(record_type)
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model, identifier)
        if not allowed(actor, "delete", record) or permissions.delete_refusal(record):
            services.delete_record(actor, record)  # refuses, and notes the refusal
        noun = RECORD_NOUNS[record_type]
        page = confirm_first(
            request,
            title=_("Delete %(identifier)s?") % {"identifier": identifier},
            consequences=_(
                "The draft %(noun)s “%(title)s” will be deleted for good. This cannot be undone."
            )
            % {"noun": str(noun.singular).lower(), "title": record_title(record)},
            confirm_label=_("Yes, delete the draft"),
            cancel_url=detail_url(record),
        )
        if page is not None:
            return page
        services.delete_record(actor, record)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(
        request, _("The draft %(identifier)s was deleted.") % {"identifier": identifier}
    )
    return redirect(reverse("dashboard"))


# --- Review and history ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def record_review(request, record_type: str, identifier: str):
    model = model_for(record_type)
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model, identifier)
        if not allowed(actor, "view_history", record):
            return refused_page(
                request,
                _("Only reviewers and members of the record's organization may open its review."),
                status=403,
            )
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    revision = pending_revisions(actor, model, [record]).get(record.pk)
    return render(
        request,
        "projects/records/review.html",
        {
            "record": record,
            "record_type": record_type,
            "noun": RECORD_NOUNS[record_type],
            "revision": revision,
            "changes": diff(record) if revision is not None else [],
            "content": content_of(record) if revision is None else None,
            "detail_url": detail_url(record),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def record_history(request, record_type: str, identifier: str):
    model = model_for(record_type)
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model, identifier)
        entries = list(workflow.history(actor, record))
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    revisions = _revisions(actor, record)
    return render(
        request,
        "projects/records/history.html",
        {
            "record": record,
            "record_type": record_type,
            "noun": RECORD_NOUNS[record_type],
            "entries": entries,
            "revisions": revisions,
            "detail_url": detail_url(record),
        },
    )


def _revisions(actor, record):
    return list(
        revisions_of(record, actor)
        .select_related("created_by", "submitted_by", "signed_off_by")
        .order_by("number")
    )
