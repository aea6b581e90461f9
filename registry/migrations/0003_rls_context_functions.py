"""The SQL functions through which row-level security policies read who is asking (issue 10).

registry.rls.CONTEXT_FUNCTIONS: `registry_user_id()`, `registry_member_of()`,
`registry_editor_of()`, `registry_admin_of()`, `registry_platform_role()`, `registry_is_system()`
and `registry_api_key_prefix()`, each reading one transaction-local `registry.*` setting. The apps'
policy migrations depend on this one. SQLite has no row-level security: nothing to do there.
"""

from django.db import migrations

from registry import rls


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_search_text_values")]

    operations = [
        migrations.RunPython(
            rls.run_on_postgresql(rls.context_function_statements),
            rls.run_on_postgresql(rls.drop_context_function_statements),
        )
    ]
