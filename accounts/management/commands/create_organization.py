"""manage.py create_organization: provision a tenant from the command line (SPEC 9)."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.domain import services
from accounts.models import OrganizationKind, Sector
from registry.rls import SystemCommand


def describe_errors(error: ValidationError) -> str:
    """One line per problem, naming the field: what a person at a terminal needs."""
    if hasattr(error, "error_dict"):
        return "\n".join(
            f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return "\n".join(error.messages)


def parse_name(raw: str):
    """A plain name is English; a JSON object gives several languages."""
    if raw.strip().startswith("{"):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--name looks like JSON but is not valid JSON: {exc}") from exc
    return raw


class Command(SystemCommand):
    help = "Create an organization (a tenant of the registry)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="URL key, e.g. xian")
        parser.add_argument(
            "--name",
            required=True,
            help='Name in English, or JSON by language: \'{"en": "Xi\'an", "zh": "西安"}\'',
        )
        parser.add_argument("--kind", required=True, choices=OrganizationKind.values)
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. CN")
        parser.add_argument("--prefix", required=True, help="identifier prefix, e.g. CN-XIAN")
        parser.add_argument("--requires-signoff", action="store_true")
        parser.add_argument("--city", default="")
        parser.add_argument("--region", default="")
        parser.add_argument("--sector", default="", choices=["", *Sector.values])
        parser.add_argument("--registration-id", default="")
        parser.add_argument("--website", default="")

    def handle(self, *args, **options):
        try:
            organization = services.create_organization(
                options["slug"],
                parse_name(options["name"]),
                options["kind"],
                options["country"],
                options["prefix"],
                requires_signoff=options["requires_signoff"],
                city=options["city"],
                region=options["region"],
                sector=options["sector"],
                registration_id=options["registration_id"],
                website=options["website"],
            )
        except ValidationError as error:
            raise CommandError(describe_errors(error)) from error
        signoff = ", requires sign-off" if organization.requires_signoff else ""
        self.stdout.write(
            f"Created organization {organization.slug} ({organization.kind.replace('_', ' ')}, "
            f"{organization.country}, prefix {organization.identifier_prefix}{signoff})."
        )
