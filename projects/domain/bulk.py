"""Many new drafts at once (issue 19): `services.create_record`'s checks and writes, batched.

An import of 50,000 new records through `create_record` costs about twenty database round trips
a row. `BulkCreation` gives each row exactly what `create_record` gives it, in the same order,
with the lookups and the writes done once per batch:

* each row is checked by `content_checks.validated`, the same checks, with the visibility of
  the linked identifiers fetched once per batch and the new identifier's uniqueness checked
  against identifiers fetched once per batch (`identifiers.new_identifier`'s rule: unique
  case-insensitively across the three types);
* generated refs are drawn for the batch under the same advisory lock (`identifiers`), one
  after the other, as consecutive `create_record` calls would draw them; a refused row draws
  nothing, as its rolled-back savepoint would;
* the records, their links (with their RLS copies, `rls_copies.new_link`) and their audit
  entries are inserted with `bulk_create`; the owner's change counter moves once (no signal
  runs for a bulk insert: a new draft moves only its organization's counter).

Everything happens in the caller's transaction: the importer's all rows or none. Records whose
links name a record of the same batch must not be in it (the importer writes the batch first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper

from accounts.models import Organization
from projects import validation
from projects.choices import WorkflowState
from projects.domain import audit, change_counters, identifiers, rls_copies
from projects.domain.content import FIELDS, LINK_FIELDS, link_targets, refresh_completeness
from projects.domain.content_checks import FieldErrors, validated
from projects.models import RECORD_MODELS, AuditEntry, Project, ProjectRelation, Record, Zone
from registry.tenancy import Actor, require, visible

# Records inserted per INSERT statement.
INSERT_CHUNK = 500
# The record type each link field names.
LINK_TARGET = {"zones": Zone, "projects": Project, "related_projects": Project}


class BatchConflict(Exception):
    """A parallel transaction took an identifier of the batch between its check and its insert
    (only explicit refs can collide: generated ones are drawn under the lock). Nothing of the
    batch was written; the caller creates its rows one by one, as `create_record` reports it."""


@dataclass
class _Row:
    data: dict
    ref: str | None
    record: Record | None = None
    content: dict | None = None
    error: ValidationError | None = None


class BulkCreation:
    """New drafts of `model` owned by `organization`, created by `actor`, added row by row and
    written by `flush()`, which answers each row's record or ValidationError in order."""

    def __init__(self, actor: Actor, model: type[Record], organization: Organization):
        self.actor = actor
        self.model = model
        self.organization = organization
        require(actor, "create", model(organization=organization))
        self._rows: list[_Row] = []
        self._taken: set[str] = set()  # upper-case identifiers known to be in use
        self._numbers: set[int] | None = None  # generated numbers in use (drawn lazily)
        self._head = f"{organization.identifier_prefix}-{identifiers.REF_LETTERS[model]}-"
        self._pattern = re.compile(rf"^{re.escape(self._head)}(\d+)$")
        self._seen: dict[tuple[type[Record], str], bool] = {}
        self._acting_for = audit.actor_organization_id(actor, model(organization=organization))

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, data: dict, ref: str | None) -> None:
        """Queue one new record (`create_record(actor, model, organization, data, ref=ref)`)."""
        if ref is None and isinstance(data, dict):
            ref = data.get("ref")
        self._rows.append(_Row(data, ref))

    def flush(self) -> list[Record | ValidationError]:
        """Check every queued row, write those that pass; each row's record or its errors."""
        rows, self._rows = self._rows, []
        if not rows:
            return []
        self._prefetch(rows)
        for row in rows:
            self._check(row)
        good = [row for row in rows if row.record is not None]
        try:
            with transaction.atomic():  # a savepoint: a conflict leaves nothing behind
                self._write(good)
        except IntegrityError:
            self._taken, self._numbers = set(), None  # read again for the next batch
            raise BatchConflict() from None
        return [row.record if row.record is not None else row.error for row in rows]

    # --- Lookups, once per batch -----------------------------------------------------------

    def _prefetch(self, rows: list[_Row]) -> None:
        wanted = {
            f"{self.organization.identifier_prefix}-{row.ref}".upper()
            for row in rows
            if row.ref not in (None, "")
        }
        self._taken |= self._in_use(wanted)
        if self._numbers is None and any(row.ref in (None, "") for row in rows):
            self._draw_start()
        targets: dict[type[Record], set[str]] = {}
        for row in rows:
            for name, value in _links_named(row.data):
                targets.setdefault(LINK_TARGET[name], set()).update(value)
        for model, names in targets.items():
            names = {name for name in names if (model, name) not in self._seen}
            found = set(
                visible(self.actor, model)
                .filter(identifier__in=names)
                .values_list("identifier", flat=True)
            )
            self._seen.update({(model, name): name in found for name in names})

    def _in_use(self, upper_identifiers: set[str]) -> set[str]:
        """Which of these (upper-case) identifiers the organization uses, in any record type."""
        if not upper_identifiers:
            return set()
        used: set[str] = set()
        for model in RECORD_MODELS:
            used.update(
                model.objects.unscoped("identifier uniqueness across record types")
                .filter(organization=self.organization)
                .annotate(upper=Upper("identifier"))
                .filter(upper__in=upper_identifiers)
                .values_list("upper", flat=True)
            )
        return used

    def _draw_start(self) -> None:
        """Take the allocation lock (held to the end of the transaction, as one create would)
        and read the generated numbers and the identifiers under this head once."""
        identifiers._allocating(self.model, self.organization)
        taken = self.model.objects.unscoped("next ref number").filter(
            organization=self.organization, identifier__startswith=self._head
        )
        self._numbers = {
            int(m.group(1))
            for i in taken.values_list("identifier", flat=True)
            if (m := self._pattern.match(i))
        }
        for model in RECORD_MODELS:
            self._taken.update(
                i.upper()
                for i in model.objects.unscoped("identifier uniqueness across record types")
                .filter(organization=self.organization, identifier__istartswith=self._head)
                .values_list("identifier", flat=True)
            )

    def _visible(self, actor: Actor, model: type[Record], identifier: str) -> bool:
        return self._seen.get((model, identifier), False)

    # --- One row, as create_record checks it -----------------------------------------------

    def _check(self, row: _Row) -> None:
        record = self.model(
            organization=self.organization,
            created_by=self.actor.user,
            workflow_state=WorkflowState.DRAFT,
        )
        errors = FieldErrors()
        try:
            record.identifier = self._new_identifier(row.ref)
        except ValidationError as exc:
            errors.merge(exc)
            record.identifier = f"{self.organization.identifier_prefix}-NEW"
        try:
            content = validated(
                self.actor,
                record,
                row.data,
                base_links={},
                visible=self._visible,
                identifier_checked=True,
            )
        except ValidationError as exc:
            errors.merge(exc)
        if errors.errors:
            row.error = ValidationError(errors.errors)
            return
        refresh_completeness(record, content)
        row.record, row.content = record, content
        key = record.identifier.upper()
        self._taken.add(key)
        if self._numbers is not None and (m := self._pattern.match(record.identifier)):
            self._numbers.add(int(m.group(1)))

    def _new_identifier(self, ref) -> str:
        """`identifiers.new_identifier`, from the batch's lookups."""
        if ref in (None, ""):
            number = max(self._numbers, default=0) + 1
            while f"{self._head}{number:04d}".upper() in self._taken:
                number += 1
            ref = f"{identifiers.REF_LETTERS[self.model]}-{number:04d}"
        try:
            validation.validate_ref(ref)
        except ValidationError as exc:
            raise ValidationError({"ref": exc.messages}) from None
        identifier = f"{self.organization.identifier_prefix}-{ref}"
        if identifier.upper() in self._taken:
            raise identifiers._taken(identifier)
        return identifier

    # --- The writes, once per batch --------------------------------------------------------

    def _write(self, rows: list[_Row]) -> None:
        if not rows:
            return
        records = [row.record for row in rows]
        self.model.all_rows_for_internal_use.bulk_create(records, batch_size=INSERT_CHUNK)
        self._write_links(rows)
        AuditEntry.objects.bulk_create(
            (self._audit_entry(row) for row in rows), batch_size=INSERT_CHUNK
        )
        change_counters.bump(change_counters.org_scope(self.organization.pk))

    def _write_links(self, rows: list[_Row]) -> None:
        by_model: dict[type[Record], set[str]] = {}
        for row in rows:
            for name in LINK_FIELDS & set(FIELDS[self.model]):
                named = row.content.get(name) or []
                if name == "related_projects":
                    named = [item["identifier"] for item in named]
                by_model.setdefault(LINK_TARGET[name], set()).update(named)
        targets = {
            (model, record.identifier): record
            for model, names in by_model.items()
            if names
            for record in model.objects.unscoped(
                "link targets checked when the content was validated"
            ).filter(identifier__in=names)
        }
        links: dict[type, list] = {}
        for row in rows:
            for name in FIELDS[self.model]:
                if name not in LINK_FIELDS or not row.content.get(name):
                    continue
                if name == "related_projects":
                    for item in row.content[name]:
                        target = targets.get((Project, item["identifier"]))
                        if target is not None:
                            links.setdefault(ProjectRelation, []).append(
                                rls_copies.new_link(
                                    ProjectRelation, row.record, target, kind=item["kind"]
                                )
                            )
                    continue
                table, _source, _target, target_model = link_targets(self.model, name)
                for identifier in row.content[name]:
                    target = targets.get((target_model, identifier))
                    if target is not None:
                        links.setdefault(table, []).append(
                            rls_copies.new_link(table, row.record, target)
                        )
        for table, made in links.items():
            table.all_rows_for_internal_use.bulk_create(made, batch_size=INSERT_CHUNK)

    def _audit_entry(self, row: _Row) -> AuditEntry:
        """What `audit.record(actor, "create", record, to_state=DRAFT, changed_fields=...)`
        appends for `create_record`."""
        record = row.record
        return AuditEntry(
            organization_id=record.organization_id,
            content_type=audit.content_type_of(self.model),
            object_id=record.pk,
            identifier=record.identifier,
            action="create",
            actor=self.actor.user if self.actor is not None else None,
            actor_organization_id=self._acting_for,
            from_state="",
            to_state=WorkflowState.DRAFT,
            comment="",
            revision=None,
            version=record.version,
            changed_fields=sorted(name for name in row.data if name in FIELDS[self.model]),
        )


def _links_named(data) -> list[tuple[str, list[str]]]:
    """(link field, the identifiers it names) of a row's data, well-formed items only (the
    checks report the others)."""
    if not isinstance(data, dict):
        return []
    named = []
    for name in LINK_FIELDS & set(data):
        value = data[name]
        if not isinstance(value, list):
            continue
        items = [item.get("identifier") if isinstance(item, dict) else item for item in value]
        named.append((name, [item for item in items if isinstance(item, str)]))
    return named
