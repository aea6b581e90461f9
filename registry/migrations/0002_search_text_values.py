"""Search the text values of multilingual fields, not their JSON (language keys, braces).

`q=zh` used to match every record with a Chinese title (the key "zh"), and `q={` matched
everything, because the indexes and the query both searched the field's JSON text. Now both use
`registry_search_text(jsonb)`: an immutable SQL function joining the field's string values with
spaces. The indexes are rebuilt on it under the same names; projects.reads.filtersets builds the very
same expressions (SearchText), so PostgreSQL still serves `q` from them.
"""

from django.db import migrations

SEARCH_FIELDS = {
    "projects_project": ("title", "summary", "description"),
    "projects_zone": ("name", "description"),
    "projects_contact": ("name",),
}
FUNCTION = "registry_search_text"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(string_agg(item #>> '{{}}', ' '), '')
    FROM jsonb_path_query(value, 'strict $.** ? (@.type() == "string")') AS item
$$
"""


def _drop(table: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {table}_search_fts",
        f"DROP INDEX IF EXISTS {table}_title_trgm",
    ]


def _create(table: str, fields, text) -> list[str]:
    vector = " || ' ' || ".join(f"COALESCE({text(name)}, '')" for name in fields)
    return [
        f"CREATE INDEX {table}_search_fts ON {table} "
        f"USING gin (organization_id, (to_tsvector('simple'::regconfig, {vector})))",
        f"CREATE INDEX {table}_title_trgm ON {table} "
        f"USING gin (organization_id, (UPPER({text(fields[0])})) gin_trgm_ops)",
    ]


def value_statements():
    yield CREATE_FUNCTION
    for table, fields in SEARCH_FIELDS.items():
        yield from _drop(table)
        yield from _create(table, fields, lambda name: f"{FUNCTION}({name})")


def json_text_statements():
    for table, fields in SEARCH_FIELDS.items():
        yield from _drop(table)
        yield from _create(table, fields, lambda name: f"({name})::text")
    yield f"DROP FUNCTION IF EXISTS {FUNCTION}(jsonb)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in value_statements():
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in json_text_statements():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
