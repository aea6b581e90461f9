"""A record's documents as files (issue 18): add one, download one, remove one.

The rules are projects.domain.documents' and the boundary's: whoever sees the record sees and
downloads its documents (a draft's stay with its organization: anyone else gets the 404 page);
the owner's editors and admins add and remove them. A download is always an attachment with
`nosniff`, under the type read from its content when it was stored: a browser never renders an
uploaded file as a page of this site.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.pages.shared import refused_page
from projects.domain import documents
from projects.domain.boundary import access_record
from projects.pages.record_types import detail_url, model_for
from registry.errors import DomainError
from registry.tenancy import actor_for_request, allowed
from registry.views import asks_confirmation, confirm_first, reversible


def documents_context(actor, record) -> dict:
    """What the documents section of the record and edit pages shows."""
    return {
        "documents": list(documents.documents_of(actor, record)),
        "may_add_documents": allowed(actor, "change", record),
        "document_accept": documents.ACCEPT,
        "document_max_megabytes": f"{settings.DOCUMENT_MAX_BYTES / 1_048_576:g}",
    }


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@login_required
@require_POST
@reversible("adding a document is undone by removing it, which asks for confirmation")
def document_add(request, record_type: str, identifier: str):
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model_for(record_type), identifier)
        if documents.body_too_large(request.META.get("CONTENT_LENGTH")):
            raise documents.too_large()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Choose a file to add.")]})
        document = documents.add_document(actor, record, request.POST.get("title", ""), upload)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    except ValidationError as error:
        return refused_page(request, _messages(error), status=400)
    messages.success(request, _("The document “%(title)s” was added.") % {"title": document.title})
    return redirect(detail_url(record) + "#documents")


@require_http_methods(["GET", "HEAD"])
def document_download(request, record_type: str, identifier: str, pk: int):
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model_for(record_type), identifier)
        document = documents.access_document(actor, record, pk)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.title}.{document.extension}",
        content_type=document.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A published record's file is public, but may still be removed: caches ask again.
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_POST
@asks_confirmation
def document_delete(request, record_type: str, identifier: str, pk: int):
    actor = actor_for_request(request)
    try:
        record = access_record(actor, model_for(record_type), identifier)
        document = documents.access_document(actor, record, pk)
        documents.require_removable(actor, document)
        page = confirm_first(
            request,
            title=_("Remove the document “%(title)s”?") % {"title": document.title},
            consequences=_("The file will be deleted for good. This cannot be undone."),
            confirm_label=_("Yes, remove the document"),
            cancel_url=detail_url(record) + "#documents",
        )
        if page is not None:
            return page
        documents.delete_document(actor, document)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    messages.success(
        request, _("The document “%(title)s” was removed.") % {"title": document.title}
    )
    return redirect(detail_url(record) + "#documents")
