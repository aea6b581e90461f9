"""Where a common search's matches start in identifier order (issue 21).

A search that matches too many rows to read by id (`registry_search_ids` says "too many") walks
the list's sort index and checks each row. That finds a page at once when the matches are spread
out, but an identifier fragment's matches sit together: `q=KZ-ASTAN` matched 46,346 of 1M
projects, all after 490,138 that did not, and the walk took 2.6 s. `registry_search_start`
returns the smallest identifier of any matching row, so that the walk starts there (text
comparison is leakproof, so the policies let the index take it): the same rows, in the same
order, found at once.

It first walks the first `walk` rows in identifier order: a common word matches among them, and
that is its answer in a millisecond. Past them it takes the smallest identifier that each
condition's index finds. A fragment matches an identifier at its start or after it, so the
identifier condition is asked of two indexes: the identifiers that begin with the fragment are a
range of a btree (read from the index alone), and those that hold it further on are found by
the trigrams of the identifier without its first character (a fragment at the start of many
identifiers, `KZ-ASTAN`, is rarely anywhere else). Like `registry_search_ids` it runs as the
search role and says nothing the ORM shows: the list only begins its walk there, through the
caller's policies.
"""

from importlib import import_module

from django.db import migrations

from registry import rls

SEARCH = import_module("projects.migrations.0012_search_under_rls").SEARCH
# The conditions of a search (0012's, over the same indexed columns): $1 the LIKE pattern
# (`%fragment%`), $2 the words.
CONDITION = SEARCH.split(" WHERE ", 1)[1]


def _quoted(sql: str) -> str:
    return sql.replace("'", "''")


# The first match among the first $3 rows in identifier order, else NULL.
WALK = (
    "SELECT identifier FROM (SELECT identifier, ({condition}) AS hit FROM public.%I "
    "ORDER BY identifier LIMIT $3) AS walked WHERE hit ORDER BY identifier LIMIT 1"
).format(condition=CONDITION)
# The smallest matching identifier, one condition's index at a time. `|| ''` keeps the planner
# from reading min() off the identifier index (which would be the walk again); the collation is
# the column's, as in the list's ORDER BY.
_SMALLEST = "(SELECT min(identifier::text || '') FROM public.%1$I WHERE {})"
SMALLEST = "SELECT least({})".format(
    ", ".join(
        _SMALLEST.format(condition)
        for condition in (
            "UPPER(identifier::text) LIKE UPPER(substr($1, 2))",
            "UPPER(substr(identifier::text, 2)) LIKE UPPER($1)",
            "search_title LIKE UPPER($1)",
            "search_vector @@ websearch_to_tsquery('simple', $2)",
        )
    )
)

CREATE = f"""
CREATE OR REPLACE FUNCTION registry_search_start(
    record_table text, pattern text, words text, walk integer
)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    first text;
BEGIN
    IF record_table NOT IN ({", ".join(f"'{table}'" for table in rls.SEARCHED_TABLES)}) THEN
        RAISE EXCEPTION 'registry_search_start: % is not a record table', record_table;
    END IF;
    IF left(pattern, 1) <> '%' THEN
        RAISE EXCEPTION 'registry_search_start: the pattern is %%fragment%%, not %', pattern;
    END IF;
    EXECUTE format('{_quoted(WALK)}', record_table) INTO first USING pattern, words, walk;
    IF first IS NULL THEN
        EXECUTE format('{_quoted(SMALLEST)}', record_table) INTO first USING pattern, words;
    END IF;
    RETURN first;
END
$$
"""


def _indexes(table: str) -> dict[str, str]:
    return {
        f"{table}_identifier_prefix": (
            f"ON {table} (UPPER(identifier::text) text_pattern_ops) INCLUDE (identifier)"
        ),
        f"{table}_identifier_inner_trgm": (
            f"ON {table} USING gin (UPPER(substr(identifier::text, 2)) gin_trgm_ops)"
        ),
    }


def statements():
    for table in rls.SEARCHED_TABLES:
        for name, definition in _indexes(table).items():
            yield f"CREATE INDEX IF NOT EXISTS {name} {definition}"
    yield CREATE
    yield rls.hand_to_search_role_statement("registry_search_start")


def drop_statements():
    yield "DROP FUNCTION IF EXISTS registry_search_start(text, text, text, integer)"
    for table in rls.SEARCHED_TABLES:
        for name in _indexes(table):
            yield f"DROP INDEX IF EXISTS {name}"


class Migration(migrations.Migration):
    dependencies = [("projects", "0013_record_documents")]

    operations = [
        migrations.RunPython(
            rls.run_on_postgresql(statements), rls.run_on_postgresql(drop_statements)
        )
    ]
