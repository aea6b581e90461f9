"""Reading a page of rows fast: the ORM's own SQL, psycopg's C loaders, and model instances made
without `Model.__init__` (issue 11).

A list page of 500 projects with their participants, zones and related projects made about
4,000 model instances through `Model.from_db`, parsed every JSON column with the standard
library's `json` and every timestamp with psycopg's pure-Python loader (Django registers a Python
subclass of it to attach its own tzinfo): together about two thirds of the page's time. Here:

* `fast_values(queryset)`: the queryset's `.values()` rows, from the same SQL, executed through
  Django's cursor (so query logging, counting and the request's transaction and row-level
  security settings apply as to every query), but on PostgreSQL read with orjson for jsonb and
  psycopg's C loader for timestamptz. Other databases (SQLite in the quick start and the test
  pass) get the ORM's own `.values()`. The values are equal either way (tests/projects/api/
  test_list_rows.py compares them with the ORM's).
* `instance(model, values)`: a model instance whose attributes are those values, as
  `Model.from_db` makes it minus the per-field work of `__init__`. Only what the row holds is
  set, so such instances are for reading what was selected: reading another concrete field
  would load it with one query per row (Django's deferred fields), which the query-count tests
  would catch. Never save one.

Tenant scoping is untouched: `fast_values` only changes how the rows of an already scoped
queryset (registry.tenancy.visible) are read; `TenantQuerySet` still refuses an unscoped one.
"""

from __future__ import annotations

import json

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    AutoField,
    BigAutoField,
    ForeignKey,
    IntegerField,
    Lookup,
    Model,
    QuerySet,
)
from django.db.models.base import ModelState
from django.db.models.query import ValuesIterable
from psycopg import adapters as default_adapters
from psycopg import postgres
from psycopg.adapt import Loader
from psycopg.pq import Format

TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid
JSONB_OID = postgres.types["jsonb"].oid
JSON_OID = postgres.types["json"].oid
# psycopg's own timestamptz loader: the C implementation when psycopg[binary] is installed. It
# gives aware datetimes in the session's time zone, which Django sets to UTC (USE_TZ).
TimestamptzLoader = default_adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class OrjsonLoader(Loader):
    """jsonb/json as Python values via orjson; what orjson refuses (integers beyond 64 bits)
    falls back to the standard library, so every value the ORM reads is read here too."""

    def load(self, data):
        try:
            return orjson.loads(bytes(data))
        except orjson.JSONDecodeError:
            return json.loads(bytes(data))


class FastValuesIterable(ValuesIterable):
    """`.values()` rows as dicts, read with the loaders above on PostgreSQL."""

    def __iter__(self):
        queryset = self.queryset
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            yield from super().__iter__()
            return
        query = queryset.query
        compiler = query.get_compiler(queryset.db)
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # an empty `pk__in` and the like: nothing to read
            return
        # The rows as the database sends them, without the fields' from_db_value converters:
        # on PostgreSQL the only ones these columns have are JSONField's, which orjson does.
        with connection.cursor() as cursor:
            _use_fast_loaders(cursor.cursor)
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for row in rows:
            # A row may carry columns past the named ones (what an ORDER BY needs, as in
            # ValuesIterable's results); those are left out.
            yield dict(zip(names, row, strict=False))


def _use_fast_loaders(cursor) -> None:
    cursor.adapters.register_loader(TIMESTAMPTZ_OID, TimestamptzLoader)
    cursor.adapters.register_loader(JSONB_OID, OrjsonLoader)
    cursor.adapters.register_loader(JSON_OID, OrjsonLoader)


def fast_values(queryset: QuerySet, *fields: str) -> QuerySet:
    """`queryset.values(*fields)`, read as fast as the database driver allows."""
    values = queryset.values(*fields)
    values._iterable_class = FastValuesIterable
    return values


def instance(model: type[Model], values: dict, related: dict[str, Model] | None = None) -> Model:
    """An instance of `model` holding `values` (attribute names: `organization_id`, not
    `organization`), with `related` objects cached as if select_related had read them."""
    obj = model.__new__(model)
    obj.__dict__.update(values)
    state = ModelState()
    state.adding = False
    state.db = "default"
    if related:
        state.fields_cache = dict(related)
    obj._state = state
    return obj


class AnyOf(Lookup):
    """`column__any=[ids]`: membership in a list sent as one array parameter on PostgreSQL
    (`column = ANY(%s)`), so a page's 500 ids cost one parameter to prepare and send instead
    of 500; elsewhere the usual `IN (%s, ...)`."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [list(value)])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register_lookups() -> None:
    """Called by RegistryConfig.ready: `__any` on keys and integer columns."""
    for field in (ForeignKey, AutoField, BigAutoField, IntegerField):
        field.register_lookup(AnyOf)
