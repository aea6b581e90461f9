"""Record identifiers (SPEC 4): `{organization.identifier_prefix}-{ref}`, unique and immutable.

A ref is the submitter's or generated (`P-0001`, `Z-0001`, `C-0001` per organization and type).
Identifiers are unique across the three record types; organization prefixes never extend one
another (accounts.domain.services), so an identifier names exactly one organization.
"""

from __future__ import annotations

import re
import zlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from projects import validation
from projects.models import RECORD_MODELS, Contact, Project, Record, Zone
from registry.multilingual import lazy_format

# Generated refs: a letter per type and a short sequence, e.g. CN-XIAN-P-0001.
REF_LETTERS = {Project: "P", Zone: "Z", Contact: "C"}


def identifier_taken(organization: Organization, identifier: str) -> bool:
    return any(
        model.objects.unscoped("identifier uniqueness across record types")
        .filter(organization=organization, identifier__iexact=identifier)
        .exists()
        for model in RECORD_MODELS
    )


def _allocating(model: type[Record], organization: Organization) -> None:
    """Take this organization's and type's allocation lock until the transaction ends.

    Parallel creates (two app servers, many workers) drew the same next number inside their
    still-open transactions, and all but one failed (the fault drill, issue 19). PostgreSQL's
    transaction-level advisory lock makes them take turns: the next one draws after the
    previous one committed, so it sees that number taken. Only creates with a generated ref of
    the same organization and type wait for each other; SQLite has one writer at a time anyway.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    namespace = zlib.crc32(f"registry.identifier.{REF_LETTERS[model]}".encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, organization.pk % 2**31])


def generated_ref(model: type[Record], organization: Organization) -> str:
    """The next short sequence ref of this type in the organization, e.g. P-0007."""
    _allocating(model, organization)
    letter = REF_LETTERS[model]
    head = f"{organization.identifier_prefix}-{letter}-"
    pattern = re.compile(rf"^{re.escape(head)}(\d+)$")
    taken = model.objects.unscoped("next ref number").filter(
        organization=organization, identifier__startswith=head
    )
    identifiers = taken.values_list("identifier", flat=True)
    numbers = [int(m.group(1)) for i in identifiers if (m := pattern.match(i))]
    number = max(numbers, default=0) + 1
    while identifier_taken(organization, f"{head}{number:04d}"):
        number += 1
    return f"{letter}-{number:04d}"


def new_identifier(model, organization, ref) -> str:
    if ref in (None, ""):
        ref = generated_ref(model, organization)
    try:
        validation.validate_ref(ref)
    except ValidationError as exc:
        raise ValidationError({"ref": exc.messages}) from None
    identifier = f"{organization.identifier_prefix}-{ref}"
    if identifier_taken(organization, identifier):
        raise _taken(identifier)
    return identifier


def _taken(identifier: str) -> ValidationError:
    return ValidationError(
        {
            "ref": [
                lazy_format(
                    _("The identifier %(identifier)s is already in use; choose another ref."),
                    identifier=identifier,
                )
            ]
        }
    )


def insert_new(record: Record, *, generated: bool, attempts: int = 5) -> None:
    """Insert a new record; a generated ref taken meanwhile by a parallel create is redrawn."""
    for _attempt in range(attempts):
        try:
            with transaction.atomic():
                record.save()
            return
        except IntegrityError:
            # Another request took the same identifier between our check and our insert.
            if not generated:
                break
            record.identifier = new_identifier(type(record), record.organization, None)
    raise _taken(record.identifier)
