"""`manage.py build_dumps`: write the published dumps (projects.io.dumps.build_dumps) under
settings.OPEN_DATA_DUMPS_DIR (or --dir), served under /data/. Run it on a schedule (cron or
a periodic task); each run replaces the files whole."""

from django.core.management.base import BaseCommand

from projects.io.dumps import build_dumps


class Command(BaseCommand):
    help = "Write the whole public set as CSV, JSON, GeoJSON and IATI XML, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="where to write (default OPEN_DATA_DUMPS_DIR)")

    def handle(self, *args, **options):
        manifest = build_dumps(options.get("dir"))
        for name, facts in manifest["files"].items():
            self.stdout.write(f"{name}: {facts['records']} records, {facts['bytes']} bytes")
        self.stdout.write(f"built at {manifest['built_at']}")
