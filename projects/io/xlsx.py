"""A streaming XLSX writer: the workbook leaves as it is written, row by row.

openpyxl's write-only mode keeps memory flat but can only hand the file over once the whole
workbook is saved, so a large export would send nothing until its last row was read. This writer
produces the few parts an XLSX needs (one sheet, inline strings, a date style) inside a zip
written to a non-seekable sink (zipfile then uses data descriptors), and yields the compressed
bytes as they come. openpyxl, Excel and LibreOffice read the result.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DATE_STYLE, HEADER_STYLE, DATETIME_STYLE = 1, 2, 3
EXCEL_EPOCH = datetime.date(1899, 12, 30)
DAY = datetime.timedelta(days=1)
# XML 1.0 cannot carry these control characters at all; they are dropped from text cells.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CONTENT_TYPES = (
    XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    XML_HEAD + f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    XML_HEAD + f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(sheet_name: str) -> str:
    return (
        XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
        f'<sheet name={quoteattr(sheet_name[:31])} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text_cell(ref: str, value: str, style: str = "") -> str:
    """An inline string: never read as a formula, so it carries the text as it is (the CSV's
    formula escape, registry.formula_escape, would be a quote too many here)."""
    text = escape(_NOT_XML.sub("", value)).replace("\r", "&#13;")
    return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


def cell_xml(ref: str, value) -> str:
    """One cell: text as it is, a number, or a date or time (a serial with a date style)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return (
            f'<c r="{ref}"><v>{value!r}</v></c>'
            if isinstance(value, float)
            else (f'<c r="{ref}"><v>{value}</v></c>')
        )
    if isinstance(value, datetime.datetime):
        # Excel's times have no zone: UTC, as the export's other times.
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        serial = (value - datetime.datetime.combine(EXCEL_EPOCH, datetime.time())) / DAY
        return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        serial = (value - EXCEL_EPOCH).days
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{serial}</v></c>'
    return _text_cell(ref, str(value))


class _Sink:
    """A write-only, non-seekable file: zipfile writes into it, the generator drains it."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_xlsx(
    header: list[str], rows: Iterable[list], *, sheet_name: str = "records", rows_per_chunk=200
) -> Iterator[bytes]:
    """The workbook's bytes, a chunk every `rows_per_chunk` rows."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    for name, text in (
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", _workbook(sheet_name)),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
    ):
        archive.writestr(name, text)
    letters = [column_letter(index) for index in range(len(header))]
    with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        sheet.write(
            (
                XML_HEAD + f'<worksheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                "</sheetView></sheetViews><sheetData>"
                + '<row r="1">'
                + "".join(
                    _text_cell(f"{letter}1", title, f' s="{HEADER_STYLE}"')
                    for letter, title in zip(letters, header, strict=True)
                )
                + "</row>"
            ).encode()
        )
        yield sink.drain()
        buffered = []
        for number, row in enumerate(rows, start=2):
            cells = "".join(
                cell_xml(f"{letter}{number}", value)
                for letter, value in zip(letters, row, strict=True)
            )
            buffered.append(f'<row r="{number}">{cells}</row>')
            if len(buffered) >= rows_per_chunk:
                sheet.write("".join(buffered).encode())
                buffered.clear()
                chunk = sink.drain()
                if chunk:
                    yield chunk
        sheet.write(("".join(buffered) + "</sheetData></worksheet>").encode())
    archive.close()
    yield sink.drain()
