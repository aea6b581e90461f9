"""manage.py seed_demo: realistic demo data for the embedded quick start, and the demo logins.

Safe to run again: organizations and people are updated by slug and username, links are not
duplicated. Development only: it refuses to run with DEBUG off, because it creates a platform
admin whose password is printed and shared by every demo login.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.domain.demo import seed_accounts
from projects.domain.demo import seed_records
from registry.rls import SystemCommand


class Command(SystemCommand):
    help = "Create or update the demo organizations, users and sister-city links; print logins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo is for development only and refuses to run with DEBUG off: it would "
                "create a platform admin and demo logins that share one printed password. "
                "Provision real organizations and people with create_organization and "
                "create_user (README)."
            )
        try:
            accounts = seed_accounts()
        except ValidationError as error:
            raise CommandError(f"The demo data did not validate: {error.messages}") from error
        seed_records(accounts["organizations"], accounts["users"], self.stdout)
        self._print_logins(accounts)

    def _print_logins(self, accounts) -> None:
        organizations = accounts["organizations"]
        rows = [
            (
                login["username"],
                login["role"] + (f" + {login['platform_role']}" if login["platform_role"] else ""),
                f"{login['organization']} ({organizations[login['organization']].display_name})",
            )
            for login in accounts["logins"]
        ]
        headers = ("username", "role", "organization")
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(3)]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        self.stdout.write(
            f"Demo data ready: {len(organizations)} organizations, "
            f"{len(accounts['users'])} users, {len(accounts['links'])} sister-city links."
        )
        self.stdout.write("")
        for row in [headers, tuple("-" * width for width in widths), *rows]:
            self.stdout.write(line.format(*row).rstrip())
        self.stdout.write("")
        self.stdout.write(f"Password for every demo login: {accounts['password']}")
