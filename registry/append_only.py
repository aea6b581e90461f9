"""Triggers that make a table append-only: the database refuses UPDATE and DELETE on it.

For logs that must stay as written (accounts.SecurityEvent; the record audit log has the same
triggers of its own in projects/migrations/0002). Used from migrations:

    migrations.RunPython(append_only.forwards(TABLE), append_only.backwards(TABLE))

PostgreSQL: a row trigger raising restrict_violation. SQLite: BEFORE UPDATE / DELETE triggers
that abort. Keep these statements stable: migrations that ran once must mean the same later.
"""

from __future__ import annotations


def postgres_create(table: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
                USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"""
        CREATE TRIGGER {table}_append_only
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
        """,
    ]


def postgres_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"DROP FUNCTION IF EXISTS {table}_append_only();",
    ]


def sqlite_create(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;
        """,
        f"""
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;
        """,
    ]


def sqlite_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]


CREATE = {"postgresql": postgres_create, "sqlite": sqlite_create}
DROP = {"postgresql": postgres_drop, "sqlite": sqlite_drop}


def forwards(table: str):
    def create(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in CREATE:
            raise RuntimeError(f"No append-only trigger for database vendor {vendor!r}")
        for statement in CREATE[vendor](table):
            schema_editor.execute(statement, params=None)

    return create


def backwards(table: str):
    def drop(apps, schema_editor):
        for statement in DROP.get(schema_editor.connection.vendor, lambda _: [])(table):
            schema_editor.execute(statement, params=None)

    return drop
