"""manage.py create_api_key --user U --org SLUG --scopes read,write [--expires DAYS] [--name N]

Prints the new key alone on its last line; it is shown only this once.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.domain import keys
from accounts.models import Organization
from registry.rls import SystemCommand


class Command(SystemCommand):
    help = "Create an API key for a member of an organization and print it (once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the key's owner")
        parser.add_argument("--org", required=True, help="slug of the key's organization")
        parser.add_argument("--scopes", default="read", help="read, write or read,write")
        parser.add_argument("--expires", type=int, default=None, help="days until it expires")
        parser.add_argument("--name", default="", help="a name to recognise the key by")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        name = options["name"] or f"{user.get_username()} command-line key"
        try:
            expires_at = keys.expiry_in(options["expires"])
            key, raw_key = keys.issue_key(
                user, organization, name=name, scopes=options["scopes"], expires_at=expires_at
            )
        except ValidationError as exc:
            messages = [
                f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
            ]
            raise CommandError("; ".join(messages)) from exc
        expiry = key.expires_at.isoformat() if key.expires_at else "never"
        self.stdout.write(
            f"Created key {key.prefix} ({key.name}) for {user.get_username()} in "
            f"{organization.slug}, scopes {','.join(key.scopes)}, expires {expiry}. "
            "Store it now; it is not shown again:"
        )
        self.stdout.write(raw_key)
