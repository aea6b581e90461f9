"""manage.py import_records --org SLUG --type projects FILE [--dry-run] [--user USERNAME]

Imports a CSV, XLSX or JSON file into an organization, like the import page and the API: every
row validated by the services, all rows in one transaction or none (docs/import.md). Progress
goes to stderr, the report to stdout; any error exits non-zero with nothing imported.
"""

from __future__ import annotations

import os

from django.core.management.base import CommandError

from accounts.models import Organization, User
from projects.io.importing import Importer, first_admin
from projects.io.readers import ImportRefused, check_size, format_of
from projects.models import RECORD_MODELS_BY_TYPE
from registry import rls
from registry.rls import SystemCommand
from registry.tenancy import Actor, NotAllowed


class Command(SystemCommand):
    """Looks up the organization and the user in the system context (SystemCommand), then
    imports as that user: the import's own transaction states the user to the database, so
    row-level security holds the same line as for the page and the API."""

    help = "Import projects, zones or contacts from a CSV, XLSX or JSON file into an organization."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv, .xlsx or .json file (docs/import.md)")
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--type", required=True, choices=sorted(RECORD_MODELS_BY_TYPE))
        parser.add_argument("--dry-run", action="store_true", help="validate every row only")
        parser.add_argument(
            "--user",
            help="the editor or admin the import acts as (default: the organization's first "
            "admin, by membership date)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            format_of(path)
            size = os.stat(path).st_size  # the size, before a byte is read
            check_size(size, os.path.basename(path))
        except FileNotFoundError:
            raise CommandError(f"No file {path}.") from None
        except ImportRefused as error:
            raise CommandError(error.message) from None
        organization = self._organization(options["org"])
        user = self._user(organization, options["user"])
        actor = Actor.for_user(user)
        self.stderr.write(
            f"Importing {options['type']} from {path} into {organization.slug} as "
            f"{user.username}{' (dry run: nothing is saved)' if options['dry_run'] else ''}."
        )
        with open(path, "rb") as file:
            importer = Importer(
                actor,
                organization,
                RECORD_MODELS_BY_TYPE[options["type"]],
                file,
                os.path.basename(path),
                size,
                dry_run=options["dry_run"],
            )
            try:
                with rls.acting(rls.for_actor(actor)):
                    for progress in importer.run():
                        percent = f" ({progress.percent}%)" if progress.percent is not None else ""
                        self.stderr.write(f"  {progress.rows} rows read{percent}")
            except ImportRefused as error:
                raise CommandError(f"{error.message} Nothing was imported.") from None
            except NotAllowed as error:
                raise CommandError(error.message) from None
        report = importer.report
        for error in report.errors:
            self.stdout.write(str(error))
        if report.error_count > len(report.errors):
            self.stdout.write(f"... and {report.error_count - len(report.errors)} more errors.")
        if not report.ok:
            raise CommandError(report.summary)
        self.stdout.write(report.summary)

    def _organization(self, slug: str):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with slug {slug!r}.")
        if not organization.is_active:
            raise CommandError(f"Organization {slug} is deactivated; nothing can be imported.")
        return organization

    def _user(self, organization, username: str | None):
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        user = first_admin(organization)
        if user is None:
            raise CommandError(
                f"Organization {organization.slug} has no admin to act as; name an editor or "
                "admin with --user."
            )
        return user
