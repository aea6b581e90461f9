"""manage.py setup_database_roles --owner OWNER --app APP: the two PostgreSQL roles (issue 10).

* OWNER owns the schema's tables; `migrate` runs as it. Not a superuser, no BYPASSRLS: with
  row-level security FORCEd it sees no row without a context either.
* APP is what the application connects as: neither a superuser nor an owner, no BYPASSRLS, no
  CREATE anywhere. It may SELECT, INSERT, UPDATE and DELETE (never TRUNCATE); on append-only
  tables (models with `append_only = True`, the audit log) only SELECT and INSERT. The owner's
  default privileges give it the same on the tables later migrations create.

Run it as a superuser (or a role with CREATEROLE that owns the database), against the database
the application uses; it is idempotent, so run it again whenever you like. Tables and functions
that a superuser created before (a database migrated before the split) are given to the owner.
Passwords come from the environment (`--owner-password-env`, `--app-password-env`), never from
the command line; a role that exists keeps its password unless the variable is set.
"""

from __future__ import annotations

import os
import re

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from registry import append_only

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LEAST_PRIVILEGE = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def append_only_tables() -> list[str]:
    return sorted(
        model._meta.db_table for model in apps.get_models() if getattr(model, "append_only", False)
    )


class Command(BaseCommand):
    help = "Create the owner and application database roles and the application role's grants."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="role that owns the tables (migrate)")
        parser.add_argument("--app", required=True, help="role the application connects as")
        parser.add_argument(
            "--owner-password-env",
            default="DATABASE_OWNER_PASSWORD",
            help="environment variable holding the owner's password (default %(default)s)",
        )
        parser.add_argument(
            "--app-password-env",
            default="DATABASE_APP_PASSWORD",
            help="environment variable holding the application role's password (default "
            "%(default)s)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args, **options):
        owner, app = options["owner"], options["app"]
        for role in (owner, app):
            if not ROLE_NAME.match(role):
                raise CommandError(f"{role!r} is not a plain role name (a-z, 0-9, _).")
        if owner == app:
            raise CommandError("The owner and the application role must be two different roles.")
        self.connection = connections[options["database"]]
        if self.connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter; this database is not.")
        with transaction.atomic(using=options["database"]):
            self.ensure_role(owner, os.environ.get(options["owner_password_env"]), "owner")
            self.ensure_role(app, os.environ.get(options["app_password_env"]), "application")
            self.grant_database_and_schema(owner, app)
            moved = self.give_objects_to(owner)
            self.grant_app(owner, app)
        self.stdout.write(
            f"Owner role {owner}: owns the schema's tables ({moved} handed over now); run "
            f"`migrate` as it.\nApplication role {app}: {APP_TABLE_PRIVILEGES} on the tables, "
            f"SELECT and INSERT only on {', '.join(append_only_tables()) or 'no table'}; no "
            "TRUNCATE, no ownership, no BYPASSRLS. Connect the application as it."
        )

    # --- helpers ---------------------------------------------------------------------------

    def sql(self, statement: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def ensure_role(self, role: str, password: str | None, what: str) -> None:
        found = self.sql("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        if not found:
            self.sql(f"CREATE ROLE {role} LOGIN {LEAST_PRIVILEGE}")
        elif any(found[0]):
            raise CommandError(
                f"The {what} role {role} exists and is a superuser or bypasses row-level "
                "security; choose another name (this command does not take privileges away)."
            )
        if password:
            self.sql(f"ALTER ROLE {role} PASSWORD %s", [password])

    def grant_database_and_schema(self, owner: str, app: str) -> None:
        database = self.sql("SELECT current_database()")[0][0]
        quoted = self.connection.ops.quote_name(database)
        # CREATE on the database: the owner's migrations create trusted extensions (pg_trgm).
        self.sql(f"GRANT CONNECT, CREATE ON DATABASE {quoted} TO {owner}")
        self.sql(f"GRANT CONNECT ON DATABASE {quoted} TO {app}")
        self.sql(f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}")
        self.sql(f"GRANT USAGE ON SCHEMA public TO {app}")
        # Before PostgreSQL 15 everyone could create in public; the application must not.
        self.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")

    def give_objects_to(self, owner: str) -> int:
        """Hand the schema's own tables, views, sequences and functions to the owner.

        Extensions' members stay where they are; sequences that belong to a column follow their
        table.
        """
        relations = self.sql(
            """
            SELECT c.relkind, c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
              AND pg_get_userbyid(c.relowner) <> %s
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                              AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
            """,
            [owner],
        )
        for kind, name in relations:
            keyword = {"S": "SEQUENCE", "v": "VIEW", "m": "MATERIALIZED VIEW"}.get(kind, "TABLE")
            self.sql(f"ALTER {keyword} {self.connection.ops.quote_name(name)} OWNER TO {owner}")
        functions = self.sql(
            """
            SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                              AND d.objid = p.oid AND d.deptype = 'e')
            """,
            [owner],
        )
        for (signature,) in functions:
            self.sql(f"ALTER FUNCTION {signature} OWNER TO {owner}")
        return len(relations) + len(functions)

    def grant_app(self, owner: str, app: str) -> None:
        self.sql(f"GRANT {APP_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {app}")
        self.sql(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {app}")
        self.sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
        self.sql(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            f"GRANT {APP_TABLE_PRIVILEGES} ON TABLES TO {app}"
        )
        self.sql(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {app}"
        )
        existing = {row[0] for row in self.sql("SELECT tablename FROM pg_tables")}
        for table in append_only_tables():
            if table in existing:
                self.sql(append_only.revoke_changes_statement(table))
