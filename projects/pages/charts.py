"""The figures of the home and statistics pages, and the geometry of their SVG bar charts.

Every count is over what the reader may see (`registry.tenancy.visible`), so a record hidden
from them is in no figure; one GROUP BY query per breakdown. The charts are drawn by the
server as SVG (no script; the CSP allows no inline style, so sizes are attributes), and each
chart's numbers are also in a table next to it, for screen readers and for copying.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from projects import choices
from projects.choices import RECORD_TYPE_PLURALS, Freshness, WorkflowState
from projects.domain.freshness import freshness_counts
from projects.models import RECORD_MODELS, Contact, Project, Zone
from projects.reads import catalogue
from registry.multilingual import pick
from registry.tenancy import Actor, visible

TYPE_NAMES = {record_type.value: plural for record_type, plural in RECORD_TYPE_PLURALS.items()}
# Horizontal bars fill at most this share of the width; the rest holds the number.
BAR_SHARE = 82
ROW_HEIGHT = 34
# Columns of the chart over time, and its drawing height in px.
MONTHS_SHOWN = 36
COLUMN_HEIGHT = 160


@dataclass
class Bar:
    label: str
    value: int
    percent: float  # of the chart's width (horizontal) or height (columns)
    y: int = 0
    x: float = 0.0
    height: float = 0.0
    show_label: bool = True


@dataclass
class Chart:
    key: str
    title: str
    bars: list[Bar]
    height: int = 0
    column_width: float = 0.0


def key_figures(actor: Actor) -> dict:
    """Published records of each type, active organizations and the countries they cover."""
    figures, countries = {}, set()
    for model in RECORD_MODELS:
        published = visible(actor, model).filter(workflow_state=WorkflowState.PUBLISHED).order_by()
        figures[model.record_type] = published.count()
        countries |= set(catalogue.json_list_counts(published, ("countries",)))
    figures["organizations"] = visible(actor, Organization).filter(is_active=True).count()
    figures["countries"] = len(countries)
    return figures


def bar_chart(key: str, title, items: list[tuple[str, int]]) -> Chart:
    """Horizontal bars, one row per (label, value), scaled to the largest value."""
    largest = max((value for _, value in items), default=0) or 1
    bars = [
        Bar(
            label=text, value=value, percent=round(BAR_SHARE * value / largest, 2), y=i * ROW_HEIGHT
        )
        for i, (text, value) in enumerate(items)
    ]
    return Chart(key=key, title=str(title), bars=bars, height=max(len(bars), 1) * ROW_HEIGHT)


def column_chart(key: str, title, items: list[tuple[str, int]]) -> Chart:
    """Vertical columns over time, left to right; every few columns carry their label."""
    largest = max((value for _, value in items), default=0) or 1
    # A slot per month, never wider than a twelfth: a young registry's one month is no wall.
    slot = min(100 / max(len(items), 1), 100 / 12)
    width = slot * 0.8
    every = max(1, len(items) // 12)
    bars = []
    for i, (text, value) in enumerate(items):
        height = round(COLUMN_HEIGHT * value / largest, 1)
        bars.append(
            Bar(
                label=text,
                value=value,
                percent=round(100 * value / largest, 2),
                x=round(i * slot, 3),
                height=height,
                y=int(COLUMN_HEIGHT - height),
                show_label=i % every == 0,
            )
        )
    return Chart(key=key, title=str(title), bars=bars, height=COLUMN_HEIGHT, column_width=width)


def _choice_items(rows, model, field: str) -> list[tuple[str, int]]:
    grouped = rows.order_by().values(field).annotate(n=Count("pk"))
    found = {row[field]: row["n"] for row in grouped}
    pairs = choices.choices_of(model, field)
    return [(text, found[value]) for value, text in pairs if found.get(value)]


def _country_items(actor: Actor) -> list[tuple[str, int]]:
    """Records of any type per country they are in."""
    totals: dict[str, int] = {}
    for model in RECORD_MODELS:
        counts = catalogue.json_list_counts(visible(actor, model).order_by(), ("countries",))
        for code, count in counts.items():
            totals[code] = totals.get(code, 0) + count
    items = [(catalogue.country_name(code), count) for code, count in totals.items()]
    return sorted(items, key=lambda item: (-item[1], item[0]))


def _freshness_table(actor: Actor) -> tuple[list[dict], list[tuple[str, int]]]:
    """Per record type, the published records of each freshness; and the totals."""
    rows, totals = [], dict.fromkeys(Freshness.values, 0)
    for model in RECORD_MODELS:
        counts = visible(actor, model).order_by().aggregate(**freshness_counts())
        rows.append(
            {
                "type": TYPE_NAMES[model.record_type],
                "counts": [counts[value] for value in Freshness.values],
            }
        )
        for value in Freshness.values:
            totals[value] += counts[value]
    items = [(str(text), totals[value]) for value, text in Freshness.choices]
    return rows, items


def _organization_table(actor: Actor) -> list[dict]:
    """Per organization: its records, their average completeness and freshness (SPEC 5)."""
    table: dict[str, dict] = {}
    for model in RECORD_MODELS:
        grouped = (
            visible(actor, model)
            .order_by()
            .values("organization__slug", "organization__name")
            .annotate(n=Count("pk"), completeness=Sum("completeness"), **freshness_counts())
        )
        for row in grouped:
            entry = table.setdefault(
                row["organization__slug"],
                {
                    "slug": row["organization__slug"],
                    "name": pick(row["organization__name"]) or row["organization__slug"],
                    "records": 0,
                    "completeness_total": 0,
                    **dict.fromkeys(Freshness.values, 0),
                },
            )
            entry["records"] += row["n"]
            entry["completeness_total"] += row["completeness"] or 0
            for value in Freshness.values:
                entry[value] += row[value]
    for entry in table.values():
        entry["completeness"] = round(entry["completeness_total"] / entry["records"])
    return sorted(table.values(), key=lambda entry: (-entry["records"], entry["name"]))


def _monthly_table(actor: Actor) -> list[dict]:
    """Records per month of publication (of creation, for those never published), per type."""
    months: dict = {}
    for model in RECORD_MODELS:
        grouped = (
            visible(actor, model)
            .order_by()
            .annotate(month=TruncMonth(Coalesce("published_at", "created_at")))
            .values("month")
            .annotate(n=Count("pk"))
        )
        for row in grouped:
            entry = months.setdefault(row["month"].date(), dict.fromkeys(TYPE_NAMES, 0))
            entry[model.record_type] = row["n"]
    ordered = sorted(months.items())[-MONTHS_SHOWN:]
    return [{"month": month, "total": sum(counts.values()), **counts} for month, counts in ordered]


def statistics(actor: Actor) -> dict:
    """The context of the statistics page."""
    freshness_rows, freshness_items = _freshness_table(actor)
    monthly = _monthly_table(actor)
    return {
        "figures": key_figures(actor),
        "charts": [
            bar_chart(
                "category",
                _("Projects by category"),
                _choice_items(visible(actor, Project), Project, "category"),
            ),
            bar_chart(
                "project-status",
                _("Projects by status"),
                _choice_items(visible(actor, Project), Project, "lifecycle_status"),
            ),
            bar_chart("country", _("Records by country"), _country_items(actor)),
            bar_chart(
                "zone-kind", _("Zones by kind"), _choice_items(visible(actor, Zone), Zone, "kind")
            ),
            bar_chart(
                "contact-kind",
                _("Contacts by kind"),
                _choice_items(visible(actor, Contact), Contact, "kind"),
            ),
            bar_chart("freshness", _("Published records by freshness"), freshness_items),
        ],
        "freshness_rows": freshness_rows,
        "freshness_values": Freshness.choices,
        "organizations": _organization_table(actor),
        "monthly": monthly,
        "monthly_chart": column_chart(
            "monthly",
            _("Records by month of publication"),
            [(row["month"].strftime("%Y-%m"), row["total"]) for row in monthly],
        ),
        "type_names": TYPE_NAMES,
    }
