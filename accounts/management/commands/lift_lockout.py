"""manage.py lift_lockout [--username U] [--address A]

Ends the sign-in lockout of a username (for browsers without its device cookie) and/or of an
address, when the operator has no admin at hand; platform admins do the same from the admin's
security events. Logged as a security event.
"""

from django.core.management.base import CommandError

from accounts.domain import lockout
from accounts.domain.security import record_event
from accounts.models import SecurityEventKind
from registry.rls import SystemCommand


class Command(SystemCommand):
    help = "Lift the sign-in lockout of a username and/or an address."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="", help="the username to let in again")
        parser.add_argument("--address", default="", help="the client address to let in again")

    def handle(self, *args, **options):
        username, address = options["username"].strip(), options["address"].strip()
        if not (username or address):
            raise CommandError("Name a --username, an --address, or both.")
        lockout.lift(username=username, address=address)
        record_event(
            SecurityEventKind.LOCKOUT,
            username=username,
            detail=f"lockout lifted by manage.py lift_lockout (address {address or '-'})",
        )
        self.stdout.write(f"Lifted: username {username or '-'}, address {address or '-'}.")
