"""The catalogue pages' lists (SPEC 7): the API's filters, facets with counts, keyset pages.

A catalogue page is the API's list in HTML: the rows come from `registry.tenancy.visible`
narrowed by the same filtersets (projects/filtersets.py), so a page, the API and an export of
the same query string hold the same records. On top, each facet counts what choosing one of its
values would give (all the other filters applied): the facets not in use and the total in one
statement that computes the filtered set once, each chosen facet in one GROUP BY query of its own.
Those counts are kept in Django's cache (issue 11), under a key that moves whenever they could
(`counts_key`): a page whose counts are cached reads no more than its own rows.
The rows are paged by keyset on (sort key, identifier) behind a signed cursor, an index range
scan for every sort (`projects.reads.keyset`). The number of queries does not grow with the
table, nor with how far the reader pages. The counts and their cache are
`projects.reads.facet_counts`; this module filters, orders and words them for the reader.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from projects import choices as vocabulary
from projects.models import Contact, Project, Record, Zone
from projects.reads import facet_counts
from projects.reads.facet_counts import (
    COMPLETENESS_STEPS,
    COUNTERS,
    cached_counts,
    json_list_counts,
    shared_counts,
)
from projects.reads.filtersets import ContactFilterSet, ProjectFilterSet, ZoneFilterSet
from projects.reads.keyset import keyset_page, read_cursor, sign_position
from registry.multilingual import pick
from registry.tenancy import Actor, visible

__all__ = ["json_list_counts"]  # the pages count a list column's values through this module

FILTERSETS = {Project: ProjectFilterSet, Zone: ZoneFilterSet, Contact: ContactFilterSet}
# The reader's sort choices: the API's `ordering` values (ORDERING_FIELDS), in reading order.
SORTS = {
    "-updated_at": _("Recently updated"),
    "-created_at": _("Newest first"),
    "created_at": _("Oldest first"),
    "identifier": _("Identifier, A to Z"),
    "-identifier": _("Identifier, Z to A"),
}
DEFAULT_SORT = "-updated_at"
# The facets of each record type, in the order the sidebar shows them.
COMMON_FACETS = ("organization", "freshness", "completeness_min", "workflow_state")
FACETS = {
    Project: ("category", "country", "lifecycle_status", *COMMON_FACETS),
    Zone: ("kind", "country", "lifecycle_status", *COMMON_FACETS),
    Contact: ("kind", "country", *COMMON_FACETS),
}
FACET_TITLES = {
    "category": _("Category"),
    "kind": _("Kind"),
    "country": _("Country"),
    "lifecycle_status": _("Status"),
    "organization": _("Organization"),
    "freshness": _("Freshness"),
    "workflow_state": _("Record state"),
    "completeness_min": _("Completeness"),
}
# Filters of the API that have no facet (a zone's identifier, a tag, a date): shown as chips.
OTHER_FILTER_TITLES = {
    "q": _("Search"),
    "tag": _("Tag"),
    "zone": _("Zone"),
    "updated_since": _("Updated since"),
}
# Not filters: the page position and the sort, which the page applies itself.
NOT_FILTERS = ("cursor", "ordering")
# The facets that list their values by count, most first (the others keep their vocabulary's
# order), and how many of those values they show (and the one chosen, if not among them): a
# sidebar of hundreds of organizations is of no use to a reader, and costs a page more to
# render than everything else on it. The organization directory links to each one's records.
BY_COUNT = ("category", "kind", "country", "organization")
MOST_COUNTED_SHOWN = 15


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    title: str
    options: list[FacetOption]


@dataclass
class Catalogue:
    """What a catalogue page shows: one page of rows, the facets, the position and the sort."""

    rows: list[Record] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    total: int = 0
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first_page: bool = True
    sort: str = DEFAULT_SORT
    errors: dict = field(default_factory=dict)
    # When the counts were made, if they are older than the list's last change (the worker is
    # counting again: facet_counts.cached_counts); None when they are current.
    counts_as_of: datetime.datetime | None = None

    other_filters: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def selected(self) -> list[tuple[str, str, str]]:
        """(parameter, title, value) of every filter in use, facets first (removable chips)."""
        chosen = [
            (item.name, item.title, option.label)
            for item in self.facets
            for option in item.options
            if option.selected
        ]
        return chosen + self.other_filters


def filter_params(query: QueryDict, model: type[Record]) -> QueryDict:
    """The filters of the query string: names the API's filterset knows, without paging."""
    known = set(FILTERSETS[model].base_filters) - set(NOT_FILTERS)
    params = QueryDict(mutable=True)
    for name in known & set(query):
        value = query.get(name, "").strip()
        if value:
            params[name] = value
    return params


def filtered(actor: Actor, model: type[Record], params: QueryDict, request) -> QuerySet:
    """The records the actor sees, narrowed by `params` (ValidationError names a bad filter)."""
    filterset = FILTERSETS[model](params, queryset=visible(actor, model), request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def build(
    actor: Actor, model: type[Record], request, recount_later: Callable | None = None
) -> Catalogue:
    """The catalogue page for the request's query string. `recount_later(actor, model,
    request)` queues a count of the list again (`recount`), when its counts are older than its
    last change; without it, such counts are made in the request."""
    params = filter_params(request.GET, model)
    sort = request.GET.get("ordering") if request.GET.get("ordering") in SORTS else DEFAULT_SORT
    now = timezone.now()  # one instant for the counts' freshness and their key
    try:
        rows = filtered(actor, model, params, request)
        later = recount_later and (lambda: recount_later(actor, model, request))
        facets, counted = facets_and_total(actor, model, rows, params, request, now, later)
    except ValidationError as error:
        return Catalogue(sort=sort, errors=_messages(error.detail))
    purpose = f"catalogue:{model.record_type}:{sort}"
    position = read_cursor(request.GET.get("cursor"), purpose)
    page = keyset_page(rows.select_related("organization"), sort, position)
    return Catalogue(
        rows=page.rows,
        facets=facets,
        other_filters=[
            (name, str(title), params[name])
            for name, title in OTHER_FILTER_TITLES.items()
            if name in params
        ],
        total=counted.total,
        counts_as_of=counted.as_of,
        next_cursor=sign_position(page.next_position, purpose),
        previous_cursor=sign_position(page.previous_position, purpose),
        is_first_page=page.previous_position is None,
        sort=sort,
    )


def _messages(detail) -> dict:
    """{filter: [message]} from a filterset's or a filter method's ValidationError."""
    if isinstance(detail, dict):
        return {name: [str(message) for message in messages] for name, messages in detail.items()}
    return {"": [str(message) for message in detail]}


# --- Facets -------------------------------------------------------------------------------------


def recount(actor: Actor, model: type[Record], request) -> None:
    """Count the list of the request's query string again, and keep the counts (the worker's
    side of `recount_later`)."""
    params = filter_params(request.GET, model)
    now = timezone.now()
    rows = filtered(actor, model, params, request)
    facet_counts.recount(
        actor, model, params, now, lambda: raw_counts(actor, model, rows, params, request, now)
    )


def facets_and_total(
    actor: Actor,
    model: type[Record],
    rows: QuerySet,
    params: QueryDict,
    request,
    now=None,
    recount_later: Callable | None = None,
):
    """([Facet], the counts: facet_counts.Counted, whose total is the number of rows) for the
    catalogue page.

    Each facet counts what choosing one of its values would give: the records with every
    filter applied except the facet's own, so the reader sees the alternatives to what they
    chose. The counts are numbers per value (`raw_counts`), kept in the cache (`cached_counts`)
    and worded in the reader's language after: one entry serves every language.
    """
    now = now or timezone.now()
    counted = cached_counts(
        actor,
        model,
        rows,
        params,
        now,
        lambda: raw_counts(actor, model, rows, params, request, now),
        recount_later,
    )
    counts = counted.counts
    names = FACETS[model]
    organizations = _organization_names(
        _most_counted(counts.get("organization", {})), params.get("organization")
    )
    facets = [
        _facet(model, name, _worded(model, name, counts[name], organizations), params.get(name))
        for name in names
    ]
    return [item for item in facets if item.options], counted


def raw_counts(
    actor: Actor, model: type[Record], rows: QuerySet, params: QueryDict, request, now
) -> tuple[dict, int]:
    """({facet: {value: count}}, total) over the filtered rows.

    The facets whose filter is not in use all count over `rows` itself, so they and the total
    come from one statement (`shared_counts`) that reads the filtered set once; a chosen facet
    needs its own query. However large the table, this costs one scan of the filtered set,
    plus one per chosen facet: the cache keeps it from being paid on every request.
    """
    names = FACETS[model]
    counts, total = shared_counts(rows, model, [name for name in names if name not in params], now)
    for name in names:
        if name in params:
            counts[name] = COUNTERS[name](_without(actor, model, params, name, request), model, now)
    return counts, total


# --- The facets' words --------------------------------------------------------------------------


def _without(actor: Actor, model: type[Record], params: QueryDict, name: str, request) -> QuerySet:
    """The records with every filter but `name`'s applied."""
    others = params.copy()
    others.pop(name, None)
    return filtered(actor, model, others, request).order_by()


def _facet(model, name: str, counts: dict, selected: str | None) -> Facet:
    if selected and selected not in counts:
        counts[selected] = (_label_for(model, name, selected), 0)
    options = [
        FacetOption(value=value, label=text, count=count, selected=value == selected)
        for value, (text, count) in counts.items()
        if count or value == selected
    ]
    if name in BY_COUNT:
        options.sort(key=lambda option: (-option.count, option.label))
        shown = options[:MOST_COUNTED_SHOWN]
        shown += [option for option in options[MOST_COUNTED_SHOWN:] if option.selected]
        options = shown
    return Facet(name=name, title=str(FACET_TITLES[name]), options=options)


def _most_counted(counted: dict) -> dict:
    """The values a facet listed by count may show: the MOST_COUNTED_SHOWN counted most, and
    those tied with the last of them (the label breaks the tie)."""
    if len(counted) <= MOST_COUNTED_SHOWN:
        return counted
    least = sorted(counted.values(), reverse=True)[MOST_COUNTED_SHOWN - 1]
    return {value: count for value, count in counted.items() if count >= least}


def _organization_names(counted: dict[int, int], chosen: str | None) -> dict[int, tuple[str, str]]:
    """{organization id: (slug, name in the reader's language)} of these organizations, and of
    the one chosen (by slug) if any.

    Read at each request (one query by primary key), not cached: a renamed organization shows
    its new name at once, though its records' counts did not move.
    """
    if not counted:
        return {}
    wanted = Q(pk__in=list(counted)) | Q(slug=chosen) if chosen else Q(pk__in=list(counted))
    found = Organization.objects.filter(wanted).order_by().values_list("pk", "slug", "name")
    return {pk: (slug, pick(name) or slug) for pk, slug, name in found}


def _worded(model, name: str, counted: dict, organizations: dict) -> dict:
    """{value: (the reader's word for it, count)} from {value: count}, in the facet's order."""
    if name == "organization":
        return {
            organizations[pk][0]: (organizations[pk][1], count)
            for pk, count in counted.items()
            if pk in organizations
        }
    if name == "completeness_min":
        return {
            str(step): (completeness_label(step), counted.get(str(step), 0))
            for step in COMPLETENESS_STEPS
        }
    if name == "country":
        return {code: (country_name(code), count) for code, count in counted.items()}
    return {
        value: (text, counted[value])
        for value, text in vocabulary.choices_of(model, name)
        if value in counted
    }


def completeness_label(step) -> str:
    return str(
        _("Complete") if str(step) == "100" else _("%(percent)s%% or more") % {"percent": step}
    )


def _label_for(model, name: str, value: str) -> str:
    if name == "completeness_min":
        return completeness_label(value)
    if name == "country":
        return country_name(value)
    if name == "organization":
        return value
    return vocabulary.field_value_label(model, name, value)


def country_name(code: str) -> str:
    """The country's name in the reader's language (django-countries), else the code."""
    return (str(iso_countries.name(code)) or code) if code else ""
