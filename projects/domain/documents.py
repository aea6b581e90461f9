"""Documents as files on a record (issue 18): what may be stored, who may add and remove them.

A file's type is read from its content (its first bytes, with the `filetype` package), never
from its name or the browser's word for it: a file whose content is not one of the allowed
types, or not the type its name says, is refused. Its size is bounded by DOCUMENT_MAX_BYTES.
Whoever sees the record sees its documents (projects.domain.boundary); the owner's editors and
admins add and remove them. The row copies the record's state for row-level security.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from projects.models import Record, RecordDocument
from registry.multilingual import lazy_format
from registry.tenancy import Actor, NotVisible, require, visible

# The types a document may be, by the extension `filetype` reads from the content, with the
# media type it is served as. A JPEG's name may say .jpg or .jpeg.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}
NAME_ALIASES = {"jpeg": "jpg"}
# The file input's `accept`: what the browser offers to choose (the server checks anyway).
ACCEPT = ",".join(f".{extension}" for extension in [*ALLOWED_TYPES, *NAME_ALIASES])
TITLE_MAX = RecordDocument._meta.get_field("title").max_length


def _refuse(message) -> ValidationError:
    return ValidationError({"file": [message]})


def read_type(upload) -> str:
    """The allowed extension that the upload's content is, or a translated refusal.

    The name must say the same type as the content: a PNG called report.pdf is refused, so that
    nobody downloads something other than what the list says.
    """
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    found = kind.extension if kind is not None else None
    named = PurePath(upload.name or "").suffix.lower().lstrip(".")
    named = NAME_ALIASES.get(named, named)
    if found not in ALLOWED_TYPES:
        raise _refuse(
            _(
                "This file is not a PDF, Office (DOCX, XLSX, PPTX, ODT, ODS) or image (PNG, "
                "JPEG) file: its content says otherwise."
            )
        )
    if named != found:
        raise _refuse(
            lazy_format(
                _("The file is named .%(named)s but its content is %(found)s."),
                named=named or "?",
                found=found.upper(),
            )
        )
    return found


def too_large() -> ValidationError:
    return _refuse(
        lazy_format(
            _("The file is larger than %(megabytes)s MB."),
            megabytes=f"{settings.DOCUMENT_MAX_BYTES / 1_048_576:g}",
        )
    )


def body_too_large(content_length) -> bool:
    """Is a request this long surely over the limit (the form's other fields are small)? Then
    it is refused before its body is read."""
    try:
        return int(content_length or 0) > settings.DOCUMENT_MAX_BYTES + 65_536
    except ValueError:
        return False


def check_size(upload) -> None:
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise too_large()
    if upload.size == 0:
        raise _refuse(_("The file is empty."))


def _digest(upload) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def _title(title: str, upload) -> str:
    """The title given, else the file's name without its extension; on one line (it becomes
    the download's file name, in a header)."""
    title = " ".join((title or "").split()) or " ".join(PurePath(upload.name or "").stem.split())
    if not title:
        raise ValidationError({"title": [_("Give the document a title.")]})
    return title[:TITLE_MAX]


def documents_of(actor: Actor, record: Record):
    """The documents of a record the actor sees (all of them, when the record is seen)."""
    return (
        visible(actor, RecordDocument)
        .filter(content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk)
        .select_related("uploaded_by")
        .order_by("created_at", "id")
    )


def access_document(actor: Actor, record: Record, pk) -> RecordDocument:
    document = documents_of(actor, record).filter(pk=pk).first()
    if document is None:
        raise NotVisible()
    return document


def add_document(actor: Actor, record: Record, title: str, upload) -> RecordDocument:
    """Store `upload` as a document of `record` once its size and type pass."""
    document = RecordDocument(
        organization_id=record.organization_id,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        uploaded_by_id=actor.user_id,
        record_state=record.workflow_state,
    )
    require(actor, "create", document)
    check_size(upload)
    extension = read_type(upload)
    document.title = _title(title, upload)
    document.size = upload.size
    document.extension = extension
    document.media_type = ALLOWED_TYPES[extension]
    document.sha256 = _digest(upload)
    with transaction.atomic():
        document.file.save(f"document.{extension}", upload, save=False)
        try:
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
    return document


def require_removable(actor: Actor, document: RecordDocument) -> None:
    """Refuse (before the confirmation page) whoever may not remove the document."""
    require(actor, "delete", document)


def delete_document(actor: Actor, document: RecordDocument) -> None:
    """Remove the document and its file (the file once the row is gone for good)."""
    require_removable(actor, document)
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        document.delete()
        transaction.on_commit(lambda: storage.delete(name))


def delete_documents_of(record: Record) -> None:
    """A deleted draft's documents go with it (the service that deletes it calls this)."""
    rows = RecordDocument.all_rows_for_internal_use.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    )
    for document in list(rows):
        storage, name = document.file.storage, document.file.name
        document.delete()
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
