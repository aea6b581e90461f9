"""Reading an import file row by row: CSV, XLSX and JSON, each in bounded memory.

`open_table` checks the file as a whole before a single row is read: its size (from the file
system, never by reading it), that its first bytes are what its name says, its encoding, its
header; an XLSX also has its zip directory checked for bombs and its XML parts for DTDs before
openpyxl (read-only mode, defusedxml) opens it. Problems with the file as a whole raise
`ImportRefused` with a message for people; problems of one row are the importer's to report.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext

# Defaults; settings.IMPORT_* override them.
MAX_IMPORT_BYTES = 100 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 100  # a zip member inflating more than this is treated as a bomb
MAX_XLSX_MEMBERS = 1000
MAX_JSON_RECORD_BYTES = 1024 * 1024
SNIFF_BYTES = 8192
FORMATS = ("csv", "xlsx", "json")


class ImportRefused(Exception):
    """The file as a whole cannot be imported; `message` says why, for people."""

    def __init__(self, message: str, *, code: str = "invalid_file", status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_import_bytes() -> int:
    return limit("IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)


def format_of(filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise ImportRefused(
            gettext("%(file)s is not a file the import reads: give a .csv, .xlsx or .json file.")
            % {"file": repr(filename)},
            code="unsupported_format",
            status=415,
        )
    return extension


def check_size(size: int, filename: str) -> None:
    if size == 0:
        raise ImportRefused(
            gettext("%(file)s is empty: there is nothing to import.") % {"file": filename},
            code="empty_file",
        )
    most = max_import_bytes()
    if size > most:
        raise ImportRefused(
            gettext(
                "%(file)s is %(size)s MB; the import takes files of at most %(most)s MB. Split "
                "it into several files."
            )
            % {"file": filename, "size": f"{size / 1048576:.1f}", "most": f"{most / 1048576:.0f}"},
            code="file_too_large",
            status=413,
        )


@dataclass
class Table:
    """Rows of an import file: `rows()` yields (row number, {column: cell}) for CSV and XLSX
    (the header is row 1) and (record number, object) for JSON."""

    format: str
    filename: str
    header: list[str] | None = None
    _rows: Iterator | None = None
    _progress: object = None
    _close: list = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, object]]:
        return self._rows

    def fraction_done(self) -> float | None:
        return self._progress() if self._progress is not None else None

    def close(self) -> None:
        for close in self._close:
            close()


def open_table(file, filename: str, size: int) -> Table:
    """Check the file and return its rows. `file` is a binary file object at its start."""
    kind = format_of(filename)
    check_size(size, filename)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    _check_magic(kind, head, filename)
    opener = {"csv": _csv_table, "xlsx": _xlsx_table, "json": _json_table}[kind]
    return opener(file, filename, size)


def _check_magic(kind: str, head: bytes, filename: str) -> None:
    """Is the file what its name says? The first bytes tell a zip from text, UTF-16 from UTF-8."""
    is_zip = head.startswith(b"PK\x03\x04")
    if kind == "xlsx":
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportRefused(
                gettext(
                    "%(file)s is an Excel 97-2003 workbook (.xls), not .xlsx: open it in a "
                    "spreadsheet program and save it as an Excel workbook (.xlsx)."
                )
                % {"file": filename},
                code="not_what_its_name_says",
            )
        if not is_zip:
            raise ImportRefused(
                f"{filename} is not an XLSX workbook: an .xlsx file is a zip archive and this "
                "one does not start like one.",
                code="not_what_its_name_says",
            )
        return
    if is_zip or head.startswith(b"\xd0\xcf\x11\xe0") or head.startswith(b"%PDF"):
        raise ImportRefused(
            f"{filename} is not a {kind.upper()} text file (it starts like a binary file: a "
            "workbook, an archive or a PDF). Give the file the name its format has.",
            code="not_what_its_name_says",
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(
            gettext("%(file)s is in UTF-16; save it as UTF-8 (in Excel: 'CSV UTF-8').")
            % {"file": filename},
            code="wrong_encoding",
        )
    if b"\x00" in head:
        raise ImportRefused(
            f"{filename} holds NUL bytes: it is not UTF-8 text.", code="not_what_its_name_says"
        )
    if kind == "json":
        start = head.removeprefix(codecs.BOM_UTF8).lstrip()
        if not start.startswith(b"["):
            raise ImportRefused(
                f"{filename} is not a JSON array of records: it must start with '[' "
                "(the shape the JSON export writes).",
                code="not_what_its_name_says",
            )


def _decoding_error(filename: str, where: str) -> ImportRefused:
    return ImportRefused(
        gettext(
            "%(file)s is not UTF-8 text (%(where)s). Save it as UTF-8 (in Excel: 'CSV UTF-8'); "
            "other encodings such as GBK or Windows-1251 are not read."
        )
        % {"file": filename, "where": where},
        code="wrong_encoding",
    )


def _text_stream(file) -> io.TextIOWrapper:
    # utf-8-sig: a byte order mark, as Excel writes one, is dropped; errors are refused.
    return io.TextIOWrapper(file, encoding="utf-8-sig", errors="strict", newline="")


def _byte_progress(file, size: int):
    def fraction() -> float:
        try:
            return min(1.0, file.tell() / size)
        except (OSError, ValueError):
            return 0.0

    return fraction


def _clean_header(cells: list, filename: str) -> list[str]:
    header = []
    for index, cell in enumerate(cells, start=1):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            raise ImportRefused(
                gettext(
                    "%(file)s: column %(index)s of the header (row 1) has no name; the first "
                    "row must name every column."
                )
                % {"file": filename, "index": index},
                code="missing_header",
            )
        if not isinstance(cell, str):
            raise ImportRefused(
                gettext(
                    "%(file)s: the first row must be the header (the column names), but column "
                    "%(index)s holds %(cell)s."
                )
                % {"file": filename, "index": index, "cell": repr(cell)},
                code="missing_header",
            )
        header.append(cell.strip())
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ImportRefused(
            gettext("%(file)s: the header names %(columns)s more than once.")
            % {"file": filename, "columns": ", ".join(duplicates)},
            code="duplicate_columns",
        )
    return header


def _utf8_lines(file, filename: str, position: dict):
    """The file's lines as text, decoded one line at a time so that a wrong encoding is
    reported at its line; `position["line"]` is the line number reached."""
    pending = b""
    first = True
    while True:
        chunk = file.read(65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield _decode_line(line + b"\n", filename, position, first)
            first = False
    if pending:
        yield _decode_line(pending, filename, position, first)


def _decode_line(line: bytes, filename: str, position: dict, first: bool) -> str:
    position["line"] += 1
    position["bytes"] += len(line)
    if first:
        line = line.removeprefix(codecs.BOM_UTF8)  # Excel's byte order mark
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _decoding_error(
            filename,
            gettext("line %(line)s has the byte %(byte)s")
            % {"line": position["line"], "byte": f"0x{line[error.start]:02x}"},
        ) from None


def _csv_table(file, filename: str, size: int) -> Table:
    position = {"line": 0, "bytes": 0}
    reader = csv.reader(_utf8_lines(file, filename, position))
    try:
        first = next(reader, None)
        while first is not None and not any(cell.strip() for cell in first):
            first = next(reader, None)  # blank lines before the header
    except csv.Error as error:
        raise ImportRefused(f"{filename}: the header row cannot be read: {error}.") from None
    if first is None:
        raise ImportRefused(
            gettext("%(file)s has no rows at all.") % {"file": filename}, code="empty_file"
        )
    header = _clean_header(first, filename)

    def rows():
        number = 1
        try:
            for cells in reader:
                number += 1
                if not any(cell.strip() for cell in cells):
                    continue
                yield number, _as_mapping(header, cells)
        except csv.Error as error:
            raise ImportRefused(
                f"{filename}: row {number + 1} (line {position['line']}) cannot be read: {error}."
            ) from None

    return Table("csv", filename, header, rows(), lambda: min(1.0, position["bytes"] / size))


class CellsBeyondHeader(Exception):
    """A row has more non-empty cells than the header has columns."""

    def __init__(self, count: int, columns: int):
        super().__init__(
            gettext("this row has %(count)s cells but the header has %(columns)s columns")
            % {"count": count, "columns": columns}
        )
        self.count = count
        self.columns = columns


def _as_mapping(header: list[str], cells: list):
    extra = [cell for cell in cells[len(header) :] if cell not in (None, "")]
    if extra:
        return CellsBeyondHeader(len(header) + len(extra), len(header))
    padded = list(cells) + [None] * (len(header) - len(cells))
    return dict(zip(header, padded, strict=False))


# --- XLSX ------------------------------------------------------------------------------------


def check_zip(file, filename: str) -> None:
    """Refuse a zip bomb and DTDs before openpyxl reads a byte of the workbook's XML."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise ImportRefused(
            f"{filename} is not a readable XLSX workbook (its zip directory is damaged).",
            code="not_what_its_name_says",
        ) from None
    members = archive.infolist()
    if len(members) > limit("IMPORT_MAX_XLSX_MEMBERS", MAX_XLSX_MEMBERS):
        raise ImportRefused(f"{filename} has {len(members)} parts; a workbook needs far fewer.")
    if "xl/workbook.xml" not in archive.namelist():
        raise ImportRefused(
            f"{filename} is a zip archive but not an XLSX workbook (it has no xl/workbook.xml).",
            code="not_what_its_name_says",
        )
    total = sum(member.file_size for member in members)
    most = limit("IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES", MAX_XLSX_UNCOMPRESSED_BYTES)
    ratio = limit("IMPORT_MAX_XLSX_RATIO", MAX_XLSX_RATIO)
    if total > most:
        raise ImportRefused(
            f"{filename} would unpack to {total / 1048576:.0f} MB (at most "
            f"{most / 1048576:.0f} MB): refused as a possible zip bomb.",
            code="zip_bomb",
        )
    for member in members:
        inflated = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and inflated > ratio:
            raise ImportRefused(
                f"{filename}: the part {member.filename} inflates {inflated:.0f} times (at most "
                f"{ratio}): refused as a possible zip bomb.",
                code="zip_bomb",
            )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            with archive.open(member) as part:
                start = part.read(4096)
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                raise ImportRefused(
                    f"{filename}: the part {member.filename} declares a DTD or entities, which a "
                    "workbook never needs (entity expansion attack): refused.",
                    code="xml_entities",
                )
    archive.close()
    file.seek(0)


def _unreadable(filename: str, what: str, error: Exception) -> ImportRefused:
    """A workbook openpyxl could not read. The library's own message is never shown: it may
    name the server's copy of the upload (a path under IMPORT_UPLOAD_DIR)."""
    from defusedxml.common import DefusedXmlException

    causes, cause = [], error
    while cause is not None and len(causes) < 10:  # openpyxl wraps the parser's error
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(cause, DefusedXmlException) for cause in causes):
        return ImportRefused(
            f"{filename}: {what}: a part of it declares a DTD or entities, which a workbook "
            "never needs (entity expansion attack): refused.",
            code="xml_entities",
        )
    return ImportRefused(
        f"{filename}: {what} (it is damaged or was not saved by a spreadsheet program); "
        "open it in a spreadsheet program and save it again as .xlsx.",
        code="not_what_its_name_says",
    )


def _xlsx_table(file, filename: str, size: int) -> Table:
    import openpyxl  # imported here: only imports of workbooks need it

    check_zip(file, filename)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise _unreadable(filename, "cannot be opened as an XLSX workbook", error) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        first = next(rows, None)
        while first is not None and all(cell in (None, "") for cell in first):
            first = next(rows, None)
    except Exception as error:
        workbook.close()
        raise _unreadable(filename, "the first sheet cannot be read", error) from None
    if first is None:
        workbook.close()
        raise ImportRefused(f"{filename}: the first sheet has no rows at all.", code="empty_file")
    trimmed = list(first)
    while trimmed and trimmed[-1] in (None, ""):
        trimmed.pop()
    header = _clean_header(trimmed, filename)
    total_rows = sheet.max_row or 0

    state = {"row": 1}

    def generate():
        try:
            for number, cells in enumerate(rows, start=2):
                state["row"] = number
                if all(cell in (None, "") for cell in cells):
                    continue
                yield number, _as_mapping(header, list(cells))
        except Exception as error:  # a damaged or hostile sheet part
            raise _unreadable(filename, f"row {state['row'] + 1} cannot be read", error) from None

    def fraction():
        return min(1.0, state["row"] / total_rows) if total_rows > 1 else None

    return Table("xlsx", filename, header, generate(), fraction, [workbook.close])


# --- JSON ------------------------------------------------------------------------------------


def _json_table(file, filename: str, size: int) -> Table:
    text = _text_stream(file)
    return Table(
        "json",
        filename,
        None,
        _json_items(text, filename),
        _byte_progress(file, size),
        [lambda: text.detach()],
    )


def _json_items(text: io.TextIOWrapper, filename: str) -> Iterator[tuple[int, object]]:
    """The elements of a top-level JSON array, one at a time (never the whole file at once)."""
    decoder = json.JSONDecoder()
    most = limit("IMPORT_MAX_JSON_RECORD_BYTES", MAX_JSON_RECORD_BYTES)
    buffer, position, ended = "", 0, False

    def more() -> bool:
        nonlocal buffer, position, ended
        if ended:
            return False
        try:
            chunk = text.read(65536)
        except UnicodeDecodeError:
            raise _decoding_error(filename, f"after record {number}") from None
        if not chunk:
            ended = True
            return False
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def skip_space() -> str:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position].isspace():
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not more():
                return ""

    number = 0
    if skip_space() != "[":
        raise ImportRefused(f"{filename} is not a JSON array of records.")
    position += 1
    if skip_space() == "]":
        raise ImportRefused(
            f"{filename} is an empty list: there is nothing to import.", code="empty_file"
        )
    while True:
        number += 1
        while True:
            try:
                item, end = decoder.raw_decode(buffer, position)
                break
            except RecursionError:
                # Python's decoder recurses once per level: `[` x 100,000 would crash the
                # request. No record of ours nests more than a few levels.
                raise ImportRefused(
                    f"{filename}: record {number} is nested too deeply (lists or objects "
                    "inside one another thousands of times); a record nests a few levels at "
                    "most.",
                    code="too_deeply_nested",
                ) from None
            except json.JSONDecodeError as error:
                if len(buffer) - position > most:
                    raise ImportRefused(
                        f"{filename}: record {number} is larger than {most // 1024} KB."
                    ) from None
                if not more():
                    raise ImportRefused(
                        f"{filename}: record {number} is not valid JSON ({error.msg})."
                    ) from None
        position = end
        yield number, item
        following = skip_space()
        position += 1
        if following == "]":
            break
        if following != ",":
            raise ImportRefused(
                f"{filename}: after record {number} comes {following or 'the end of the file'!r}"
                " where ',' or ']' belongs."
            )
        skip_space()
    if skip_space() != "":
        raise ImportRefused(f"{filename}: there is more after the closing ']' of the array.")
