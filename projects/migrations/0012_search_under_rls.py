"""Search that uses its indexes under row-level security (issue 21).

Under the application's role every record table is behind its policies, and PostgreSQL will not
use an index for a condition that is not leakproof (`LIKE`, full-text `@@`) before it has checked
the policy: a rare word was found by reading every row (0.5-0.8 s at 100k, where the superuser
took 20 ms). `registry_search_ids(table, pattern, words, at_most)` finds the ids that match through the
trigram and full-text indexes (the stored columns of 0007_search_columns), when the planner
expects at most `at_most` of them (else one NULL: "too many"), and the ORM then reads those ids
through the policies like any other query (`projects.reads.filtersets.text_search`): the
function says which ids match, never what a row holds, and the caller sees only the matching
rows its policies let through.

It runs as the search role (`registry.rls.SEARCH_FUNCTIONS`: no login, BYPASSRLS, SELECT on the
three record tables) when `setup_database_roles` made one; `search_path` is pinned so that no
object of another schema can stand in for ours. Anyone may call it: the ids of matching rows are
all it tells, and whoever can run SQL as the application role can state any context anyway
(registry/rls.py says what row-level security defends against).
"""

from django.db import migrations

from registry import rls

# The ids a search matches, of one record table: $1 the LIKE pattern, $2 the words. The same
# conditions as the ORM's (projects.reads.filtersets.text_search), over the indexed columns.
SEARCH = (
    "SELECT id FROM public.{table} WHERE UPPER(identifier::text) LIKE UPPER($1) "
    "OR search_title LIKE UPPER($1) "
    "OR search_vector @@ websearch_to_tsquery('simple', $2)"
)
_SEARCH_FORMAT = SEARCH.format(table="%I").replace("'", "''")

CREATE = f"""
CREATE OR REPLACE FUNCTION registry_search_ids(
    record_table text, pattern text, words text, at_most integer
)
RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    search text;
    plan json;
BEGIN
    IF record_table NOT IN ({", ".join(f"'{table}'" for table in rls.SEARCHED_TABLES)}) THEN
        RAISE EXCEPTION 'registry_search_ids: % is not a record table', record_table;
    END IF;
    search := format('{_SEARCH_FORMAT}', record_table);
    -- The planner's estimate, from the statistics that row-level security keeps from the
    -- caller's own plan: above `at_most`, one NULL says "too many to read by id".
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || search INTO plan USING pattern, words;
    IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric > at_most THEN
        RETURN NEXT NULL;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE search USING pattern, words;
END
$$
"""


def statements():
    yield CREATE
    yield rls.hand_to_search_role_statement("registry_search_ids")


def drop_statements():
    yield "DROP FUNCTION IF EXISTS registry_search_ids(text, text, text, integer)"


class Migration(migrations.Migration):
    dependencies = [("projects", "0011_planned_start_required_to_publish")]

    operations = [
        migrations.RunPython(
            rls.run_on_postgresql(statements), rls.run_on_postgresql(drop_statements)
        )
    ]
