"""PostgreSQL indexes for the API's full-text `q` filter (projects.reads.filtersets).

* a GIN full-text index on the same expression `projects.reads.filtersets.search_vector` builds, and
* GIN trigram indexes for the substring match on identifier and title / name.

Each leads with organization_id (btree_gin), as every index of a tenant-owned table does, so the
tables can be distributed by organization later; a multicolumn GIN index serves conditions on any
of its columns. SQLite has none of this and searches with a plain substring match.
"""

from django.db import migrations

SEARCH_FIELDS = {
    "projects_project": ("title", "summary", "description"),
    "projects_zone": ("name", "description"),
    "projects_contact": ("name",),
}


def _vector(fields) -> str:
    joined = " || ' ' || ".join(f"COALESCE(({name})::text, '')" for name in fields)
    return f"to_tsvector('simple'::regconfig, {joined})"


def statements():
    yield "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    yield "CREATE EXTENSION IF NOT EXISTS btree_gin"
    for table, fields in SEARCH_FIELDS.items():
        yield (
            f"CREATE INDEX IF NOT EXISTS {table}_search_fts ON {table} "
            f"USING gin (organization_id, ({_vector(fields)}))"
        )
        yield (
            f"CREATE INDEX IF NOT EXISTS {table}_identifier_trgm ON {table} "
            f"USING gin (organization_id, (UPPER((identifier)::text)) gin_trgm_ops)"
        )
        yield (
            f"CREATE INDEX IF NOT EXISTS {table}_title_trgm ON {table} "
            f"USING gin (organization_id, (UPPER(({fields[0]})::text)) gin_trgm_ops)"
        )


def drop_statements():
    for table in SEARCH_FIELDS:
        for suffix in ("search_fts", "identifier_trgm", "title_trgm"):
            yield f"DROP INDEX IF EXISTS {table}_{suffix}"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in statements():
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in drop_statements():
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
