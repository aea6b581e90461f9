"""The database refuses UPDATE and DELETE on the security event log (like the audit log)."""

from django.db import migrations

from registry import append_only

TABLE = "accounts_securityevent"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_key_parent_and_security_events")]

    operations = [
        migrations.RunPython(append_only.forwards(TABLE), append_only.backwards(TABLE)),
    ]
