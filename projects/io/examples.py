"""Import templates with three example rows each (issue 18), drawn from the real cooperation
(../shared/REAL-WORLD.md), written the way an official would type them: labels rather than
codes, one location per line with `;` between its parts, as in the record form.

The XLSX template has a second sheet, "allowed values", listing every value a coded column
takes with its label in the site's three languages (projects.io.vocabulary); either may be
typed. The JSON template holds the same three records in the API's shape.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from django.utils import translation

from projects.domain.content import FIELDS
from projects.domain.demo_catalogue import area
from projects.io import columns, vocabulary
from projects.models import Contact, Project, Record, Zone

KHORGOS_AREA = (
    '{"type": "Polygon", "coordinates": [[[80.38, 44.19], [80.445, 44.188], [80.452, 44.222], '
    "[80.418, 44.236], [80.376, 44.226], [80.38, 44.19]]]}"
)

# {column: cell} as typed in a spreadsheet; the JSON template is built from the same rows.
EXAMPLES: dict[type[Record], list[dict[str, str]]] = {
    Project: [
        {
            "ref": "TRAIN-XIAN-ALMATY",
            "title.en": "China-Central Asia cultural tourism train Xi'an-Almaty",
            "title.zh": "中国—中亚文旅专列（西安—阿拉木图）",
            "title.ru": "Культурно-туристический поезд Сиань — Алматы",
            "summary.en": "The first China-Central Asia cultural tourism train, on the outcome "
            "list of the 2023 Xi'an summit.",
            "category": "Tourism train",
            "lifecycle_status": "Implementation",
            "countries": "China; Kazakhstan",
            "locations": "Xi'an; 34.34; 108.94\nUrumqi; 43.83; 87.62\nAlmaty; 43.24; 76.89",
            "tags": "rail; summit outcome",
        },
        {
            "ref": "AIR-URUMQI-TASHKENT",
            "title.en": "Direct flights Urumqi-Tashkent",
            "title.zh": "乌鲁木齐—塔什干直航",
            "title.ru": "Прямые рейсы Урумчи — Ташкент",
            "summary.en": "Urumqi is one of the Chinese cities with direct flights to Central "
            "Asia.",
            "category": "航线",
            "lifecycle_status": "Implementation",
            "countries": "CN; UZ",
            "locations": "Urumqi; 43.83; 87.62\nTashkent; 41.30; 69.24",
        },
        {
            "ref": "SISTER-URUMQI-SAMARKAND",
            "title.en": "Sister cities: Urumqi and Samarkand",
            "title.zh": "友好城市：乌鲁木齐与撒马尔罕",
            "title.ru": "Города-побратимы: Урумчи и Самарканд",
            "summary.en": "Signed at the China-Central Asia Summit in Astana, June 2025.",
            "category": "Другое",
            "lifecycle_status": "Pipeline",
            "countries": "China; Uzbekistan",
            "locations": "Urumqi; 43.83; 87.62\nSamarkand; 39.65; 66.96",
        },
    ],
    Zone: [
        {
            "ref": "KHORGOS",
            "name.en": "Khorgos cross-border tourism cooperation zone",
            "name.zh": "霍尔果斯跨境旅游合作区",
            "name.ru": "Зона трансграничного сотрудничества Хоргос",
            "kind": "Cross-border tourism cooperation zone",
            "countries": "China; Kazakhstan",
            "geometry": KHORGOS_AREA,
            "border_crossings": "Khorgos (Horgos)",
            "governing_body": "China-Kazakhstan Horgos International Border Cooperation Center",
            "lifecycle_status": "Operational",
        },
        {
            "ref": "ALASHANKOU",
            "name.en": "Alashankou border tourism pilot area (proposed)",
            "name.zh": "阿拉山口边境旅游试验区（拟建）",
            "kind": "边境旅游试验区",
            "countries": "CN; KZ",
            "geometry": json.dumps(area(45.17, 82.57, 0.08, 0.12)),
            "border_crossings": "Alashankou",
            "lifecycle_status": "Planned",
        },
        {
            "ref": "TORUGART",
            "name.en": "Torugart border tourism pilot area (proposed)",
            "name.ru": "Пилотная зона приграничного туризма Торугарт (предложение)",
            "kind": "Border tourism pilot area",
            "countries": "China; Kyrgyzstan",
            "geometry": json.dumps(area(40.55, 75.39, 0.06, 0.09)),
            "border_crossings": "Torugart",
            "lifecycle_status": "Planned",
        },
    ],
    Contact: [
        {
            "ref": "KHORGOS-HELP",
            "kind": "Safety assistance",
            "name.en": "Khorgos visitor assistance",
            "name.zh": "霍尔果斯游客求助",
            "name.ru": "Помощь посетителям Хоргоса",
            "email": "help@khorgos.example",
            "languages": "Chinese; Russian; Kazakh",
            "hours": "24/7",
            "countries": "China",
            "countries_covered": "China; Kazakhstan",
        },
        {
            "ref": "ALMATY-HOTLINE",
            "kind": "旅游热线",
            "name.en": "Almaty tourist hotline",
            "name.zh": "阿拉木图旅游热线",
            "email": "hotline@almaty.example",
            "languages": "kk; ru; zh; en",
            "hours": "24/7",
            "countries": "KZ",
            "countries_covered": "KZ",
        },
        {
            "ref": "TASHKENT-DISPUTES",
            "kind": "Урегулирование споров",
            "name.en": "Tourist complaints desk, Tashkent",
            "name.ru": "Приём жалоб туристов, Ташкент",
            "email": "disputes@tashkent.example",
            "languages": "uz; ru; zh",
            "hours": "Mon-Fri 09:00-18:00",
            "countries": "Uzbekistan",
            "countries_covered": "Uzbekistan; China",
        },
    ],
}


def template_header(model: type[Record]) -> list[str]:
    return columns.template_columns(model)


def example_cells(model: type[Record]) -> list[list[str]]:
    header = template_header(model)
    return [[row.get(column, "") for column in header] for row in EXAMPLES[model]]


def example_records(model: type[Record]) -> list[dict]:
    """The examples in the API's shape, codes and all (the JSON template)."""
    records = []
    for row in EXAMPLES[model]:
        content = columns.row_content(model, row)
        content, _unknown = vocabulary.translate(model, content)
        records.append({"ref": row["ref"], **content})
    return records


def allowed_rows(model: type[Record]) -> list[list[str]]:
    """[column, code, English, Chinese, Russian] for every coded column of the type."""
    rows = []
    for name in FIELDS[model]:
        column = {
            "documents": "documents (category)",
            "related_projects": "related_projects (kind)",
        }
        for code, labels in vocabulary.allowed_values(model, name):
            rows.append([column.get(name, name), code, *labels.values()])
    return rows


def _csv(model) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(template_header(model))
    writer.writerows(example_cells(model))
    return ("\ufeff" + buffer.getvalue()).encode()  # a byte order mark: Excel reads UTF-8


def _xlsx(model) -> bytes:
    import openpyxl  # only the template needs it here

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = model.record_type
    sheet.append(template_header(model))
    for cells in example_cells(model):
        sheet.append(cells)
    allowed = workbook.create_sheet("allowed values")
    with translation.override("en"):
        allowed.append(["column", "code", "English", "中文", "Русский"])
    for row in allowed_rows(model):
        allowed.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_stream(model: type[Record], format: str) -> Iterator[bytes]:
    """An import template: the header and three example rows (XLSX: and the allowed values)."""
    if format == "json":
        text = json.dumps(example_records(model), ensure_ascii=False, indent=2)
        return iter([text.encode() + b"\n"])
    return iter([{"csv": _csv, "xlsx": _xlsx}[format](model)])
