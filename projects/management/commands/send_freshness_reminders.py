"""manage.py send_freshness_reminders [--dry-run]: SPEC 5 freshness reminders, e.g. daily from cron.

Mails each organization's admins once about their published records that turn stale within a
month and those already stale; running it again sends nothing new (projects.domain.reminders).
"""

from django.core.management.base import CommandError

from projects.domain import reminders
from registry.rls import SystemCommand


def summary(report, dry_run: bool) -> str:
    due = report.due
    counts = (
        f"{len(due.get(reminders.STALE_SOON, []))} turning stale within a month, "
        f"{len(due.get('stale', []))} stale, {len(due.get('inactive', []))} inactive"
    )
    line = f"{report.organization.slug}: {counts}"
    if report.already_reminded:
        line += f" ({report.already_reminded} already reminded)"
    if not report.new_count:
        return f"{line}; nothing new to send"
    if not report.recipients:
        return f"{line}; NOT SENT: the organization has no admin with an email address"
    if report.error:
        return f"{line}; NOT SENT: {report.error} (will be retried on the next run)"
    verb = "would mail" if dry_run else "mailed"
    return f"{line}; {verb} {len(report.recipients)} admin(s)"


class Command(SystemCommand):
    help = "Remind organizations' admins of published records that are, or soon turn, stale."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be sent; send and record nothing",
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        reports = reminders.send_freshness_reminders(dry_run=dry_run)
        for report in reports:
            self.stdout.write(summary(report, dry_run))
        if dry_run:
            told = [r for r in reports if r.new_count and r.recipients]
            ending = f"{len(told)} email(s) would go out; dry run, nothing sent or recorded."
        else:
            told = [r for r in reports if r.sent]
            ending = f"{len(told)} email(s) sent."
        records = sum(report.new_count for report in told)
        self.stdout.write(
            f"Total: {records} record(s) reminded of in {len(told)} organization(s); {ending}"
        )
        failed = [report.organization.slug for report in reports if report.error]
        if failed:
            raise CommandError(f"Reminders could not be sent to: {', '.join(failed)}.")
