"""manage.py create_user: create a person, or add a membership / platform role to one (SPEC 9)."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.domain import services
from accounts.management.commands.create_organization import describe_errors
from accounts.models import MembershipRole, Organization, PlatformRole, User
from registry.rls import SystemCommand


class Command(SystemCommand):
    help = (
        "Create a user, or for an existing user add a membership (--org with --role) "
        "and/or set a platform role. Run again to add further memberships."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", help="required for a new user")
        parser.add_argument("--password", help="required for a new user; sets it when given")
        parser.add_argument("--org", help="organization slug for a membership (with --role)")
        parser.add_argument("--role", help=f"membership role: {', '.join(MembershipRole.values)}")
        parser.add_argument(
            "--platform-role",
            choices=[PlatformRole.REVIEWER, PlatformRole.PLATFORM_ADMIN, "none"],
            help="a secretariat person's platform role; 'none' removes it",
        )

    def handle(self, *args, **options):
        username = (options["username"] or "").strip()
        if not username:
            raise CommandError("--username must not be empty.")
        if bool(options["org"]) != bool(options["role"]):
            raise CommandError("--org and --role go together: give both or neither.")
        done: list[str] = []
        try:
            # One transaction: a refused membership or role leaves no new user behind.
            with transaction.atomic():
                user = self._user(username, options, done)
                if options["org"]:
                    self._membership(user, options["org"], options["role"], done)
                if options["platform_role"] is not None:
                    role = "" if options["platform_role"] == "none" else options["platform_role"]
                    services.set_platform_role(user, role)
                    done.append(f"platform role set to {role or 'none'}")
        except ValidationError as error:
            raise CommandError(describe_errors(error)) from error
        self.stdout.write(f"{username}: {'; '.join(done) or 'nothing to change'}.")

    def _user(self, username: str, options, done: list[str]) -> User:
        email, password = options["email"], options["password"]
        if email is not None:
            email = email.strip()
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError(f"--email: {email!r} is not a valid e-mail address.") from error
        if password is not None and not password:
            raise CommandError("--password must not be empty.")
        user = User.objects.filter(username=username).first()
        if user is None:
            if not email or not password:
                raise CommandError(f"{username} is a new user: give --email and --password.")
            try:
                User._meta.get_field("username").run_validators(username)
            except ValidationError as error:
                raise CommandError(f"--username: {' '.join(error.messages)}") from error
            user = services.create_user(username, email, password)
            done.append("user created")
            return user
        if email and email != user.email:
            user.email = email
            user.save(update_fields=["email"])
            done.append("e-mail changed")
        if password:
            services.set_password(user, password)
            done.append("password changed")
        return user

    def _membership(self, user: User, slug: str, role: str, done: list[str]) -> None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"--org: there is no organization with slug {slug!r}.")
        services.add_membership(user, organization, role)
        done.append(f"{role} of {organization.slug}")
