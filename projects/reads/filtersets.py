"""Filters of the record lists (SPEC 6): the same names on every list, checked strictly.

An unknown filter value (a country code that does not exist, an organization or zone the caller
cannot see, a category that is not one) is a 400 naming the filter, never a quietly empty list.
Countries and tags are JSON lists: PostgreSQL asks `@>`, SQLite (no JSON containment) looks for
the quoted value in the stored JSON text. Full-text `q` searches the text values of the
multilingual fields (never their language keys or JSON punctuation): PostgreSQL's text search and
trigram-indexed substring matching over stored columns computed from `registry_search_text(field)`
(projects/migrations/0007_search_columns.py), a substring match over the same values on SQLite.
"""

from __future__ import annotations

import copy
import datetime
import json

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, Case, Expression, Func, Q, TextField, Value, When
from django.db.models.expressions import Col
from django.db.models.functions import Cast
from django.db.models.lookups import Contains, IContains
from django_countries import countries as iso_countries
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from projects.choices import (
    ContactKind,
    Freshness,
    ProjectCategory,
    ProjectLifecycle,
    WorkflowState,
    ZoneKind,
    ZoneLifecycle,
)
from projects.domain.freshness import freshness_condition
from projects.models import Contact, ContactZone, Project, ProjectZone, Zone
from registry.tenancy import actor_for_request, visible

COUNTRY_CHOICES = [(code, name) for code, name in iso_countries]
MAX_QUERY_LENGTH = 200
# The orderings the cursor pagination supports (stable, never NULL).
ORDERING_FIELDS = ("identifier", "updated_at", "created_at")
# The multilingual text each record type is searched by (the first: its title or name). On
# PostgreSQL, the stored columns of projects/migrations/0007_search_columns.py hold it (keep the
# two in step): `vector` the words of all of them, `title` the first one's text, upper-cased.
SEARCH_FIELDS = {
    Project: ("title", "summary", "description"),
    Zone: ("name", "description"),
    Contact: ("name",),
}
SEARCH_COLUMNS = {"vector": "search_vector", "title": "search_title"}
SEARCH_CONFIG = "simple"


def json_list_contains(field: str, value: str):
    """A filter condition: the JSON list in `field` holds `value`, on either database."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    # SQLite stores JSON as ASCII-escaped text; json.dumps gives the same quoted, escaped form.
    return Contains(Cast(field, output_field=TextField()), json.dumps(value))


class SearchText(Func):
    """The string values inside a JSON field, joined by spaces: what `q` searches.

    PostgreSQL: the immutable function registry_search_text(jsonb) of
    registry/migrations/0002_search_text_values.py, from which the stored search columns are
    computed (the query asks those columns, not this). SQLite: the same values from json_tree,
    decoded (so non-ASCII text is compared as text, not as escape sequences).
    """

    function = "registry_search_text"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=(
                "(SELECT group_concat(value, ' ') FROM json_tree(%(expressions)s) "
                "WHERE type = 'text')"
            ),
            **extra_context,
        )


def search_text(field: str) -> SearchText:
    return SearchText(field)


class StoredColumn(Expression):
    """A column of the record's own table that the model does not name.

    The stored search columns (SEARCH_COLUMNS) are maintained by PostgreSQL alone, so that
    Django never writes them; a query refers to them through this, resolved to the table's
    alias like any field (so it stays right in a subquery or a join).
    """

    def __init__(self, column: str, output_field):
        super().__init__(output_field=output_field)
        self.column = column

    def resolve_expression(self, query=None, *args, **kwargs):
        field = copy.copy(self.output_field)
        field.set_attributes_from_name(self.column)
        field.model = query.model
        return Col(query.get_initial_alias(), field)


class UpperContains(Contains):
    """`lhs LIKE UPPER('%value%')` for an lhs already upper-cased in the database (the stored
    title): what `icontains` asks, without an UPPER() around the column that would hide it from
    its trigram index. The value is escaped as icontains escapes it and upper-cased by the
    database as before, so the matches are the same."""

    lookup_name = "upper_contains"

    def get_rhs_op(self, connection, rhs):
        return f"LIKE UPPER({rhs})"


# A search the planner expects to match at most this many records (of any organization) is read
# by id, from the ids registry_search_ids finds through the search indexes; one expected to match
# more is dense enough that walking the list's sort index finds a page of matches at once
# (measured at 100k, issue 21: a word in 9% of the rows takes 3-13 ms that way, 200 ms by id;
# an identifier fragment in 3.6% of them, clustered in identifier order, 100 ms by id, 550 ms
# the other way).
SEARCH_BY_ID_AT_MOST = 5000
# A search read by its conditions starts its walk at the smallest matching identifier, which
# `registry_search_start` looks for among this many rows in identifier order before it asks the
# search indexes (a common word matches among the first few; a fragment's matches may all sit
# far down the index).
SEARCH_START_WALK = 500


def text_search(queryset, value: str):
    """The records `q` finds: the value within the identifier (any case), the words of the value
    (websearch syntax) among the words of the multilingual text, or the value within the title
    / name text (any case).

    PostgreSQL keeps the text in stored columns (projects/migrations/0007_search_columns.py),
    GIN-indexed. Under row-level security (the application's role) PostgreSQL may not use those
    indexes for these conditions, which are not leakproof: it must check a row's policy first,
    so a rare word read every row. So the ids that match are asked first from
    `registry_search_ids` (0012_search_under_rls), which uses the indexes and says nothing but
    ids; when they are few, the records are read by id, through the caller's scope and policies
    like every other query. When they are many, the conditions themselves are applied: the list
    walks its sort index and finds a page of matches at once, starting at the smallest matching
    identifier (`registry_search_start`, 0014_search_start), so that matches which sit together
    far down the index (an identifier fragment's) are found as fast as spread-out ones. SQLite
    searches the same text values (SearchText) with a substring match.
    """
    model = queryset.model
    if connection.vendor == "postgresql":
        matching = _matching_ids(model, value, SEARCH_BY_ID_AT_MOST)
        if matching is not None:
            return queryset.filter(pk__any=matching)
        query = SearchQuery(value, config=SEARCH_CONFIG, search_type="websearch")
        vector = StoredColumn(SEARCH_COLUMNS["vector"], SearchVectorField())
        title = StoredColumn(SEARCH_COLUMNS["title"], TextField())
        # In this order: PostgreSQL checks an OR's branches in turn, and the title is in the row
        # while a long text's vector may have to be fetched from TOAST.
        matches = (
            Q(identifier__icontains=value)
            | Q(UpperContains(title, value))
            | Q(SearchVectorExact(vector, query))
        )
        # Where any organization's matches start in identifier order: a hidden row may move the
        # start of the walk earlier, never what it finds. With no match anywhere the walk
        # starts at the beginning, as it did before there was a start.
        start = _search_start(model, value) or ""
        # Under the policies the planner has no statistics for these conditions (they are not
        # leakproof) and guesses a handful of matches, so it would read every row from `start`
        # and sort them (1.6 s for `KZ-ASTAN` at 1M); registry_search_ids' estimate said they
        # are many. A CASE it takes for one row in two, and walks the sort index from `start`
        # to a page of matches (1 ms).
        return queryset.filter(identifier__gte=start).filter(
            Case(When(matches, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
    condition = Q(identifier__icontains=value)
    for name in SEARCH_FIELDS[model]:
        condition |= Q(IContains(search_text(name), value))
    return queryset.filter(condition)


def _like_pattern(value: str) -> str:
    return f"%{connection.ops.prep_for_like_query(value)}%"


def _matching_ids(model, value: str, at_most: int) -> list[int] | None:
    """The ids of `model`'s rows that `value` matches, of any organization (the indexes' answer,
    before any scope: only ever used to narrow a scoped query), or None when the planner expects
    more than `at_most` of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registry_search_ids(%s, %s, %s, %s)",
            [model._meta.db_table, _like_pattern(value), value, at_most],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return None if None in ids else ids


def _search_start(model, value: str) -> str | None:
    """The smallest identifier of `model`'s rows that `value` matches, of any organization (only
    ever a lower bound of a scoped query's matches), or None when no row matches."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registry_search_start(%s, %s, %s, %s)",
            [model._meta.db_table, _like_pattern(value), value, SEARCH_START_WALK],
        )
        return cursor.fetchone()[0]


def _refuse(field: str, message: str):
    raise ValidationError({field: [message]})


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100})
class PercentFilter(django_filters.NumberFilter):
    """A whole number from 0 to 100 (min_value / max_value); anything else is a 400."""

    field_class = forms.IntegerField


class RecordFilterSet(django_filters.FilterSet):
    """The filters every record list has."""

    country = django_filters.ChoiceFilter(
        choices=COUNTRY_CHOICES, method="filter_country", help_text="ISO 3166-1 alpha-2 code"
    )
    workflow_state = django_filters.ChoiceFilter(choices=WorkflowState.choices)
    organization = django_filters.CharFilter(
        method="filter_organization", help_text="the owning organization's slug"
    )
    tag = django_filters.CharFilter(method="filter_tag", max_length=50)
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since", help_text="ISO 8601 date-time"
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=MAX_QUERY_LENGTH, help_text="full-text search"
    )
    freshness = django_filters.ChoiceFilter(
        choices=Freshness.choices,
        method="filter_freshness",
        help_text="published records confirmed within 12 months (current), 12-24 months ago "
        "(stale) or earlier (inactive)",
    )
    completeness_min = PercentFilter(
        field_name="completeness",
        lookup_expr="gte",
        min_value=0,
        max_value=100,
        help_text="records whose completeness (0-100) is at least this",
    )
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS)

    @property
    def actor(self):
        return actor_for_request(self.request)

    def filter_country(self, queryset, name, value):
        return queryset.filter(json_list_contains("countries", value))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(json_list_contains("tags", value))

    def filter_organization(self, queryset, name, value):
        organization = visible(self.actor, Organization).filter(slug=value).first()
        if organization is None:
            _refuse("organization", f"No organization with slug {value!r}.")
        return queryset.filter(organization=organization)

    def filter_updated_since(self, queryset, name, value):
        # In UTC: PostgreSQL refuses offsets Python accepts (up to 23:59), which would be a
        # database error instead of an answer.
        try:
            since = value.astimezone(datetime.UTC)
        except OverflowError:
            _refuse("updated_since", "The date-time is out of range.")
        # Outside the owner, a record counts as updated when its published content changed
        # (issue 10: a hidden revision never shows here); its members see every change.
        actor = self.actor
        if actor.is_platform_admin:
            return queryset.filter(updated_at__gte=since)
        return queryset.filter(
            Q(public_updated_at__gte=since)
            | Q(organization_id__in=actor.org_ids, updated_at__gte=since)
        )

    def filter_freshness(self, queryset, name, value):
        return queryset.filter(freshness_condition(value))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return text_search(queryset, value) if value else queryset

    def linked_to_zone(self, queryset, value, link_model, source: str):
        zone = visible(self.actor, Zone).filter(identifier=value).first()
        if zone is None:
            _refuse("zone", f"No zone with identifier {value!r}.")
        linked = visible(self.actor, link_model).filter(zone=zone).values(f"{source}_id")
        return queryset.filter(pk__in=linked)


class ProjectFilterSet(RecordFilterSet):
    category = django_filters.ChoiceFilter(choices=ProjectCategory.choices)
    lifecycle_status = django_filters.ChoiceFilter(choices=ProjectLifecycle.choices)
    zone = django_filters.CharFilter(method="filter_zone", help_text="a linked zone's identifier")

    class Meta:
        model = Project
        fields = []

    def filter_zone(self, queryset, name, value):
        return self.linked_to_zone(queryset, value, ProjectZone, "project")


class ZoneFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=ZoneKind.choices)
    lifecycle_status = django_filters.ChoiceFilter(choices=ZoneLifecycle.choices)

    class Meta:
        model = Zone
        fields = []


class ContactFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices)
    zone = django_filters.CharFilter(method="filter_zone", help_text="a linked zone's identifier")

    class Meta:
        model = Contact
        fields = []

    def filter_zone(self, queryset, name, value):
        return self.linked_to_zone(queryset, value, ContactZone, "contact")

    def filter_country(self, queryset, name, value):
        # A contact is found by the countries it is in and the countries it covers.
        return queryset.filter(
            Q(json_list_contains("countries", value))
            | Q(json_list_contains("countries_covered", value))
        )
