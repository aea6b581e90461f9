"""Stored search columns for the API's and the catalogue's `q` (issue 11, projects.reads.filtersets).

`q` used to be answered from expression indexes on `registry_search_text(field)`: the index found
rare values, but every row the query looked at (the list walks its `identifier` order and checks
rows until a page is full) recomputed that function, a jsonb_path_query, for four fields, and a
tsvector from them: about 0.1 ms a row, and more rows at 1M. Now PostgreSQL keeps the results in
two generated columns of each record table, computed on every insert and update (COPY included):

* `search_vector`: to_tsvector('simple', the text of all the searched fields), the same value the
  old full-text index was built on, and
* `search_title`: UPPER(the text of the title, or name), the value the old trigram index held,

each GIN-indexed under the old index's name (leading with organization_id, as every index of a
tenant-owned table does). The identifier keeps its trigram index on UPPER(identifier), which is
cheap to compute. The models do not name these columns: Django never writes them, and
projects.reads.filtersets reads them by name. SQLite has none of this (it searches json_tree).

Migrating rewrites each table once (ADD COLUMN ... STORED); the old indexes are dropped first so
the rewrite does not rebuild them. The columns' statistics targets are raised (see below) and the
tables analyzed, so that the planner walks the list's order for a common word and asks the
indexes for a rare one.
"""

from django.db import migrations

SEARCH_FIELDS = {
    "projects_project": ("title", "summary", "description"),
    "projects_zone": ("name", "description"),
    "projects_contact": ("name",),
}
FUNCTION = "registry_search_text"
STATISTICS = 1000


def _text(name: str) -> str:
    return f"{FUNCTION}({name})"


def _vector(fields) -> str:
    joined = " || ' ' || ".join(f"COALESCE({_text(name)}, '')" for name in fields)
    return f"to_tsvector('simple'::regconfig, {joined})"


def forward_statements():
    yield "SET LOCAL maintenance_work_mem = '256MB'"
    for table, fields in SEARCH_FIELDS.items():
        yield f"DROP INDEX IF EXISTS {table}_search_fts"
        yield f"DROP INDEX IF EXISTS {table}_title_trgm"
        yield (
            f"ALTER TABLE {table} "
            f"ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_vector(fields)}) STORED, "
            f"ADD COLUMN search_title text GENERATED ALWAYS AS (UPPER({_text(fields[0])})) STORED"
        )
        yield (
            f"CREATE INDEX {table}_search_fts ON {table} USING gin (organization_id, search_vector)"
        )
        yield (
            f"CREATE INDEX {table}_title_trgm ON {table} "
            f"USING gin (organization_id, search_title gin_trgm_ops)"
        )
        # The planner's estimates of how many rows a value matches come from these columns now.
        # A word missing from the vector's most common elements is estimated at half the rarest
        # one's frequency, at most 0.5%: at 1M rows that is 5,000 rows, and the planner walks the
        # list's order to find a page of them, the whole table for a word nobody uses. Tracking
        # ten times the default (10,000 elements, from a 300,000-row sample) finds rarer ones,
        # so a rare word is estimated as rare and found through the index (tested at 1M). The
        # title's substring match is estimated from its histogram: ten times finer too.
        for column in ("search_vector", "search_title"):
            yield f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {STATISTICS}"
        yield f"ANALYZE {table}"


def backward_statements():
    """The expression indexes of registry/migrations/0002_search_text_values.py again."""
    for table, fields in SEARCH_FIELDS.items():
        yield f"DROP INDEX IF EXISTS {table}_search_fts"
        yield f"DROP INDEX IF EXISTS {table}_title_trgm"
        yield f"ALTER TABLE {table} DROP COLUMN search_vector, DROP COLUMN search_title"
        yield (
            f"CREATE INDEX {table}_search_fts ON {table} "
            f"USING gin (organization_id, ({_vector(fields)}))"
        )
        yield (
            f"CREATE INDEX {table}_title_trgm ON {table} "
            f"USING gin (organization_id, (UPPER({_text(fields[0])})) gin_trgm_ops)"
        )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in forward_statements():
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in backward_statements():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_public_metadata_and_indexes"),
        ("registry", "0002_search_text_values"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
