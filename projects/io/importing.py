"""Bulk import into the importer's organization (SPEC 8): a dry run, or all rows or none.

Every row gets the same validation as the forms and the API. A new row is checked and written
in a batch by `projects.domain.bulk` (the checks of `services.create_record`, with their lookups
and inserts done once per batch: about 1,500 rows/s instead of about 120, docs/benchmarks.md);
any other row goes through `projects.domain.services.create_record` or `update_record`, inside
a savepoint of its own (the services' `transaction.atomic`); all of it inside one transaction:

* a dry run validates every row and rolls everything back;
* a confirmed import commits only when no row has an error; otherwise it rolls back and nothing
  is imported.

A row whose identifier exists updates that record when it is a draft or has changes requested;
a changed row of a published record opens a pending revision, submitted for review (unchanged
rows, as in a re-import of the organization's own export, change nothing); other states are
refused; a new row creates a draft. Coded values may be given by their labels in any of the
site's languages (`projects.io.vocabulary`), and every error of every row is reported in one
pass: unknown columns, unreadable cells, unknown words and the services' refusals together.
Every error names the row, the identifier (or ref) and the column. Rows are read one at a
time (`projects.io.readers`), so memory stays flat whatever the file's length;
`Importer.run()` yields `Progress` as it goes, for the command's and the page's progress
display. A committed import appends one audit entry with its counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from accounts.models import Membership, MembershipRole, Organization
from projects import choices
from projects.choices import EDITABLE_STATES, WorkflowAction, WorkflowState
from projects.domain import audit, bulk, revisions, services, workflow
from projects.domain.boundary import access_record
from projects.domain.content import LINK_FIELDS, changed_fields, content_of
from projects.io import columns, vocabulary
from projects.io.readers import CellsBeyondHeader, ImportRefused, open_table
from projects.models import Project, Record, Zone
from registry.errors import DomainError
from registry.tenancy import Actor, NotVisible, require, visible

# The states an import may write into: published records through a pending revision.
WRITABLE_STATES = (*EDITABLE_STATES, WorkflowState.PUBLISHED)
# Rows between two progress reports.
PROGRESS_EVERY = 250
# Errors kept in a report; past this they are counted, not listed (bounded memory).
MAX_REPORTED_ERRORS = 1000
# Rows listed in a report's preview.
PREVIEW_ROWS = 20
# New rows checked and written together (projects.domain.bulk): the batched lookups and inserts.
BULK_ROWS = 1000


@dataclass
class RowError:
    row: int | None
    identifier: str
    column: str
    message: str

    def __str__(self) -> str:
        where = [gettext("row %(row)s") % {"row": self.row}] if self.row is not None else []
        if self.identifier:
            where.append(self.identifier)
        if self.column:
            where.append(gettext("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Progress:
    rows: int
    fraction: float | None

    @property
    def percent(self) -> int | None:
        return None if self.fraction is None else round(100 * self.fraction)


@dataclass
class ImportReport:
    record_type: str
    organization: str
    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Published records whose changed row opened a pending revision, submitted for review.
    revised: int = 0
    error_count: int = 0
    imported: bool = False
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row, identifier: str, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, identifier or "", column or "", str(message)))

    @property
    def summary(self) -> str:
        if self.error_count:
            rows = {error.row for error in self.errors}
            return gettext(
                "%(errors)s error(s) in %(rows)s row(s) of %(file)s; nothing was imported."
            ) % {"errors": self.error_count, "rows": len(rows), "file": self.filename}
        counts = {
            "rows": self.rows,
            "file": self.filename,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "revised": self.revised,
        }
        if self.dry_run:
            revised = gettext(
                ", %(revised)s published record(s) would be revised (a pending revision, "
                "submitted for review)"
            )
            checked = gettext(
                "%(rows)s row(s) of %(file)s checked: %(created)s would be created, "
                "%(updated)s would be updated%(revised_part)s, %(unchanged)s unchanged."
            )
        else:
            revised = gettext(
                ", %(revised)s published record(s) were revised (a pending revision, "
                "submitted for review)"
            )
            checked = gettext(
                "%(rows)s row(s) of %(file)s checked: %(created)s were created, "
                "%(updated)s were updated%(revised_part)s, %(unchanged)s unchanged."
            )
        counts["revised_part"] = revised % counts if self.revised else ""
        return checked % counts

    def as_dict(self) -> dict:
        data = asdict(self)
        data["type"] = data.pop("record_type")
        data["errors_listed"] = len(self.errors)
        data["summary"] = self.summary
        return data


class Importer:
    """One import of one file into `organization`, as `actor` (an editor or admin of it)."""

    def __init__(
        self,
        actor: Actor,
        organization: Organization,
        model: type[Record],
        file,
        filename: str,
        size: int,
        *,
        dry_run: bool,
        bulk: bool = True,
    ):
        self.actor = actor
        # New rows in batches (projects.domain.bulk); False: each through create_record, the
        # per-row path the batches must equal (tests/projects/io/test_bulk_equivalence.py).
        self.bulk = bulk
        self.organization = organization
        self.model = model
        self.file = file
        self.filename = filename
        self.size = size
        self.dry_run = dry_run
        self.report = ImportReport(model.record_type, organization.slug, filename, dry_run)
        self._seen: dict[str, int] = {}  # identifier (upper case) -> the row that named it
        self._known: dict[str, bool] = {}  # link target identifier -> visible to the actor
        self._deferred: list[tuple[int, str, dict]] = []
        self._prefixes = [organization.identifier_prefix.upper(), *_alias_prefixes(organization)]
        # New rows waiting for the batch (projects.domain.bulk): (row, label, forward links).
        self._batch: bulk.BulkCreation | None = None
        self._queued: list[tuple[int, str, dict]] = []
        self._queued_ids: set[str] = set()  # their named identifiers, upper case
        self._queued_generated = False
        self._window = 0  # where the queued rows' errors start in the report's list
        self._present: set[str] | None = None  # see _own_identifiers

    # --- The run ---------------------------------------------------------------------------

    def run(self) -> Iterator[Progress]:
        """Import, yielding progress every few hundred rows. Raises ImportRefused (the file as a
        whole) and NotAllowed (the actor may not create records here); row errors are in
        `self.report`."""
        require(self.actor, "create", self.model(organization=self.organization))
        table = open_table(self.file, self.filename, self.size)
        try:
            self._check_header(table.header)
            with transaction.atomic():
                for number, raw in table.rows():
                    self.report.rows += 1
                    self._import_row(number, raw)
                    if self.report.rows % PROGRESS_EVERY == 0:
                        yield Progress(self.report.rows, table.fraction_done())
                self._flush()
                if self.report.rows == 0:
                    raise ImportRefused(
                        gettext("%(file)s has a header but no rows: there is nothing to import.")
                        % {"file": self.filename},
                        code="empty_file",
                    )
                self._link_forward_references()
                if self.report.error_count or self.dry_run:
                    transaction.set_rollback(True)
                else:
                    self._audit()
                    self.report.imported = True
        finally:
            table.close()
        yield Progress(self.report.rows, 1.0)

    def run_to_end(self) -> ImportReport:
        for _ in self.run():
            pass
        return self.report

    def _check_header(self, header: list[str] | None) -> None:
        if header is None:
            return
        if not any(columns.field_of_column(self.model, column) for column in header):
            raise ImportRefused(
                gettext(
                    "%(file)s: the header names none of the %(type)s columns (title.en, "
                    "category, ...); is the first row the header, and is this a file of "
                    "%(type)s?"
                )
                % {"file": self.filename, "type": self.model.record_type},
                code="missing_header",
            )
        # Reported with the rows' errors, in the same pass, rather than alone first.
        for column in columns.unknown_columns(self.model, header):
            self.report.add_error(
                1,
                "",
                column,
                gettext(
                    "unknown column %(column)s: the columns of a %(type)s are listed in the "
                    "column guide (linked from the import page) and in the template."
                )
                % {"column": repr(column), "type": self.model.__name__.lower()},
            )

    def _audit(self) -> None:
        report = self.report
        audit.record_about_organization(
            self.actor,
            "import",
            self.organization,
            comment=(
                f"Imported {report.rows} {report.record_type} from {report.filename}: "
                f"created={report.created} updated={report.updated} "
                f"unchanged={report.unchanged}"
            ),
        )

    # --- One row ---------------------------------------------------------------------------

    def _import_row(self, number: int, raw) -> None:
        """Check (and write) one row, reporting every error of it in one pass: the cells that
        cannot be read, the words that name no allowed value, and what the services refuse in
        the fields that did read well."""
        if isinstance(raw, CellsBeyondHeader):
            self.report.add_error(
                number, "", "", gettext("%(problem)s; remove the extra cells.") % {"problem": raw}
            )
            return
        try:
            identifier, ref, content, reported = self._parse(number, raw)
        except _RowRefused:
            return
        label = identifier or ref or ""
        if identifier and self._queued_generated:
            self._flush()  # the identifier may be one the queue is about to generate
        existing = self._existing(identifier) if identifier else None
        if (
            self.bulk
            and existing is None
            and not reported
            and not self.report.error_count
            and not self._names_queued(content)
        ):
            if identifier:
                ref = self._new_ref(number, label, identifier)
                if ref is None:
                    return
            self._queue(number, label, content, ref)
            return
        # Anything else keeps the order of the per-row path: the queued rows go first.
        self._flush()
        if existing is not None and existing.workflow_state not in WRITABLE_STATES:
            if not reported and not _changes(existing, content):
                self._count(number, "unchanged", existing)  # a re-import of an export
                return
            self.report.add_error(
                number,
                label,
                "identifier",
                gettext(
                    "%(identifier)s is in the state “%(state)s”; an import updates drafts, "
                    "records with changes requested and published records (through a revision "
                    "that goes to review), not this one. Edit it in the form or through the API "
                    "instead."
                )
                % {
                    "identifier": existing.identifier,
                    "state": choices.label(WorkflowState, existing.workflow_state),
                },
            )
            return
        if existing is None and identifier:
            ref = self._new_ref(number, label, identifier)
            if ref is None:
                return
        later = self._forward_links(content)
        content = {name: value for name, value in content.items() if name not in later}
        try:
            # The services' own transaction.atomic is this row's savepoint: a refused row
            # leaves nothing behind, and the rows before it stay in the outer transaction.
            outcome, record = self._write(existing, content, ref)
        except ValidationError as error:
            self._report_validation(number, label, error, skip=reported)
            return
        except DomainError as error:  # refused by the boundary or the record's state
            self.report.add_error(number, label, "", error.message)
            return
        if reported:
            return  # the row's errors are reported; nothing of it is counted
        if later:
            self._deferred.append((number, record.identifier, later))
        self._known[record.identifier.upper()] = True
        self._count(number, outcome, record)

    # --- New rows, in batches (projects.domain.bulk) -----------------------------------------
    # A clean new row is queued; anything else (a re-import, a row with unreadable cells, a row
    # naming a queued one) first writes the queue, so rows are written, counted and reported in
    # the file's order. Once a row has an error nothing will be written: the rows after it take
    # the per-row path, which lists their errors in the same order.

    def _names_queued(self, content: dict) -> bool:
        """Does the row link to a queued row (which must be written first, as the per-row
        path would have written it)?"""
        if not self._queued:
            return False
        for name in LINK_FIELDS & set(content):
            value = content[name]
            if not isinstance(value, list):
                continue
            for item in value:
                other = item.get("identifier") if isinstance(item, dict) else item
                if not isinstance(other, str) or not self._is_ours(other):
                    continue
                if other.upper() in self._queued_ids:
                    return True
                if self._queued_generated and not self._known.get(other.upper()):
                    return True  # perhaps a ref the queue will generate
        return False

    def _queue(self, number: int, label: str, content: dict, ref: str | None) -> None:
        later = self._forward_links(content)
        content = {name: value for name, value in content.items() if name not in later}
        if self._batch is None:
            self._batch = bulk.BulkCreation(self.actor, self.model, self.organization)
        if not self._queued:
            self._window = len(self.report.errors)
        self._batch.add(content, ref or None)
        self._queued.append((number, label, later, content, ref))
        if ref:
            self._queued_ids.add(f"{self.organization.identifier_prefix}-{ref}".upper())
        else:
            self._queued_generated = True
        if len(self._queued) >= BULK_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Check and write the queued rows; report and count each as the per-row path would."""
        if not self._queued:
            return
        queued, self._queued = self._queued, []
        self._queued_ids, self._queued_generated = set(), False
        try:
            outcomes = self._batch.flush()
        except bulk.BatchConflict:
            outcomes = [self._create_one(content, ref) for *_row, content, ref in queued]
        for (number, label, later, _content, _ref), outcome in zip(queued, outcomes, strict=True):
            if isinstance(outcome, ValidationError):
                self._report_validation(number, label, outcome)
                continue
            if isinstance(outcome, DomainError):
                self.report.add_error(number, label, "", outcome.message)
                continue
            if later:
                self._deferred.append((number, outcome.identifier, later))
            self._known[outcome.identifier.upper()] = True
            self._count(number, "created", outcome)
        # A refused row read after the queued ones reported its errors before them: the
        # errors go back into row order, as the per-row path lists them.
        errors = self.report.errors
        errors[self._window :] = sorted(errors[self._window :], key=lambda error: error.row or 0)

    def _create_one(self, content: dict, ref: str | None):
        """One queued row through create_record (a batch that met a parallel insert)."""
        try:
            return self._write(None, content, ref)[1]
        except (ValidationError, DomainError) as error:
            return error

    def _count(self, number: int, outcome: str, record: Record) -> None:
        if outcome == "created" and self._present is not None:
            self._present.add(record.identifier)
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        if len(self.report.preview) < PREVIEW_ROWS:
            self.report.preview.append(
                {
                    "row": number,
                    "identifier": record.identifier,
                    "action": outcome,
                    "title": record.display_title,
                }
            )

    def _new_ref(self, number: int, label: str, identifier: str) -> str | None:
        """The ref of a new record named by its full identifier: what follows the prefix."""
        own = self.organization.identifier_prefix
        if identifier.upper().startswith(own.upper() + "-"):
            return identifier[len(own) + 1 :]
        self.report.add_error(
            number,
            label,
            "identifier",
            gettext(
                "no record %(identifier)s exists to update, and new records take the prefix "
                "%(prefix)s- (the prefix of this identifier belongs to an organization merged "
                "into this one)."
            )
            % {"identifier": identifier, "prefix": own},
        )
        return None

    def _write(self, existing: Record | None, content: dict, ref: str | None):
        if existing is None:
            record = services.create_record(
                self.actor, self.model, self.organization, content, ref=ref or None
            )
            return "created", record
        record = services.update_record(self.actor, existing, content)
        if record.version == existing.version:
            return "unchanged", record
        if existing.workflow_state == WorkflowState.PUBLISHED:
            # The change waits in a pending revision; it goes to review like one from the form.
            with transaction.atomic():
                record = workflow.perform(
                    self.actor, self.model, record.identifier, WorkflowAction.SUBMIT
                )
            return "revised", record
        return "updated", record

    def _parse(self, number: int, raw) -> tuple[str | None, str | None, dict, set[str]]:
        """(identifier, ref, content, the columns already reported) of a row; _RowRefused when
        the row cannot be placed at all (another organization's, a repeated identifier)."""
        problems: list[tuple[str, str]] = []
        if self._is_json():
            identifier, ref, organization, content = self._parse_object(number, raw)
        else:
            identifier = _cell_text(raw.get(columns.META_COLUMNS[0]))
            ref = _cell_text(raw.get(columns.REF_COLUMN))
            organization = _cell_text(raw.get("organization"))
            try:
                content = columns.row_content(self.model, raw)
            except columns.RowErrors as unreadable:
                problems += unreadable.errors
                content = unreadable.content or {}
        content, unknown = vocabulary.translate(self.model, content)
        problems += unknown
        named = self._check_owner(number, identifier, ref, organization)
        label = named or identifier or ref
        for column, message in problems:
            self.report.add_error(number, label, column, message)
        if named is False:
            raise _RowRefused()
        return named, ref, content, {column for column, _message in problems}

    def _is_json(self) -> bool:
        return self.filename.lower().endswith(".json")

    def _parse_object(self, number: int, raw):
        if not isinstance(raw, dict):
            self.report.add_error(number, "", "", gettext("each record is a JSON object {...}."))
            raise _RowRefused()
        bad = [
            key
            for key in ("identifier", "ref", "organization")
            if raw.get(key) is not None and not isinstance(raw.get(key), str)
        ]
        for key in bad:
            self.report.add_error(number, "", key, gettext("give %(key)s as text.") % {"key": key})
        if bad:
            raise _RowRefused()
        content = {
            key: value
            for key, value in raw.items()
            if key not in columns.READ_ONLY_KEYS and key != columns.REF_COLUMN
        }
        identifier, ref = raw.get("identifier") or None, raw.get("ref") or None
        return identifier, ref, raw.get("organization"), content

    def _check_owner(self, number, identifier, ref, organization):
        """The row's full identifier (None: a new record with a generated ref), or False when
        the row belongs elsewhere or repeats an identifier of an earlier row."""
        label = identifier or ref or ""
        if organization and organization != self.organization.slug:
            self.report.add_error(
                number,
                label,
                "organization",
                gettext(
                    "this row is for organization %(other)s; the import writes into %(own)s "
                    "only. Remove the row or import it as %(other)s."
                )
                % {"other": organization, "own": self.organization.slug},
            )
            return False
        if identifier:
            head = identifier.upper()
            if not self._is_ours(identifier):
                self.report.add_error(
                    number,
                    label,
                    "identifier",
                    gettext(
                        "%(identifier)s does not start with %(prefix)s-: it belongs to another "
                        "organization, and an import writes into %(own)s only."
                    )
                    % {
                        "identifier": identifier,
                        "prefix": self.organization.identifier_prefix,
                        "own": self.organization.slug,
                    },
                )
                return False
            if ref and head != f"{self.organization.identifier_prefix}-{ref}".upper():
                self.report.add_error(
                    number,
                    label,
                    "ref",
                    gettext(
                        "ref %(ref)s does not match identifier %(identifier)s; give one or the "
                        "other."
                    )
                    % {"ref": ref, "identifier": identifier},
                )
                return False
        elif ref:
            identifier = f"{self.organization.identifier_prefix}-{ref}"
        if not identifier:
            return None
        key = identifier.upper()
        if key in self._seen:
            self.report.add_error(
                number,
                label,
                "identifier" if not ref else "ref",
                gettext(
                    "%(identifier)s appears twice in the file: row %(row)s names it too. Each "
                    "record may appear once."
                )
                % {"identifier": identifier, "row": self._seen[key]},
            )
            return False
        self._seen[key] = number
        return identifier

    def _existing(self, identifier: str) -> Record | None:
        if self.bulk:
            if self._present is None:
                self._present = self._own_identifiers()
            if identifier not in self._present:
                return None  # the common case of a new row: no query
        try:
            return access_record(self.actor, self.model, identifier)
        except NotVisible:
            return None

    def _own_identifiers(self) -> set[str]:
        """The identifiers of this type with the organization's prefixes (its own and those of
        the organizations merged into it) that the actor sees, read once: `_existing` asks the
        database only about these, so a new row (the bulk path's common case) costs no query.
        Rows created by this import join them."""
        ours = Q()
        for prefix in self._prefixes:
            ours |= Q(identifier__istartswith=f"{prefix}-")
        return set(
            visible(self.actor, self.model).filter(ours).values_list("identifier", flat=True)
        )

    # --- Links to rows further down the file -----------------------------------------------

    def _visible(self, model: type[Record], identifier: str) -> bool:
        key = identifier.upper()
        if key not in self._known:
            try:
                access_record(self.actor, model, identifier)
                self._known[key] = True
            except NotVisible:
                self._known[key] = False
        return self._known[key]

    def _forward_links(self, content: dict) -> dict:
        """The link fields that name a record of this organization not yet there: perhaps a row
        further down (a project may name its parent on a later row). They are set, and
        validated, once every row is in; the others are validated with their row."""
        targets = {"zones": Zone, "projects": Project, "related_projects": Project}
        later = {}
        for name in LINK_FIELDS & set(content):
            value = content[name]
            if not isinstance(value, list):
                continue
            named = [item.get("identifier") if isinstance(item, dict) else item for item in value]
            if any(
                isinstance(other, str)
                and self._is_ours(other)
                and not self._visible(targets[name], other)
                for other in named
            ):
                later[name] = value
        return later

    def _is_ours(self, identifier: str) -> bool:
        head = identifier.upper()
        return any(head.startswith(prefix + "-") for prefix in self._prefixes)

    def _link_forward_references(self) -> None:
        """Second pass: links to rows that were further down the file (see above)."""
        for number, identifier, links in self._deferred:
            existing = self._existing(identifier)
            if existing is None:
                continue  # the row itself failed and is reported
            try:
                services.update_record(self.actor, existing, links)  # its own savepoint
            except ValidationError as error:
                self._report_validation(number, identifier, error)

    def _report_validation(
        self, number: int, label: str, error: ValidationError, skip: set[str] = frozenset()
    ) -> None:
        """The services' errors of a row, but not again for a column already reported (a
        field left out because its cell could not be read is not also 'needed')."""
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for name, texts in messages.items():
            column = self._column_of(name)
            if column in skip or name in skip or any(c.startswith(f"{name}.") for c in skip):
                continue
            for text in texts:
                self.report.add_error(number, label, column, text)

    def _column_of(self, name: str) -> str:
        if name in ("__all__", "non_field_errors", ""):
            return ""
        if self._is_json() or name not in columns.FIELD_KINDS:
            return name
        return columns.columns_of_field(self.model, name, ())


def _changes(record: Record, content: dict) -> list[str]:
    """The fields `content` would change in the record (its pending revision if it has one)."""
    current = revisions.proposed_content(record) or content_of(record)
    return [
        name
        for name in changed_fields(current, {**current, **content})
        if not _same_amount(current.get(name), content[name])
    ]


def _same_amount(before, after) -> bool:
    """1500000.50 and 1500000.5 are one amount (a spreadsheet drops the trailing zero)."""
    try:
        return None not in (before, after) and Decimal(str(before)) == Decimal(str(after))
    except (InvalidOperation, ValueError):
        return False


class _RowRefused(Exception):
    """The row's errors are in the report; go on with the next row."""


def _cell_text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _alias_prefixes(organization: Organization) -> list[str]:
    """Prefixes of organizations merged into this one: their records' identifiers keep them."""
    merged = Organization.objects.filter(merged_into=organization)
    return [prefix.upper() for prefix in merged.values_list("identifier_prefix", flat=True)]


def first_admin(organization: Organization):
    """Who the command line imports as when no --user is named: the earliest active admin."""
    membership = (
        Membership.objects.unscoped("the command's default importer, named in its output")
        .filter(organization=organization, role=MembershipRole.ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership is not None else None


def import_file(
    actor, organization, model, file, filename, size, *, dry_run, bulk: bool = True
) -> ImportReport:
    """Run an import to its end (the API's and tests' way); see Importer."""
    return Importer(
        actor, organization, model, file, filename, size, dry_run=dry_run, bulk=bulk
    ).run_to_end()
