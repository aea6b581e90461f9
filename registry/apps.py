from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate, pre_migrate


def _migrate_in_system_context(sender, using, **kwargs):
    """Migrations act for no single user: a data migration must see every organization's rows.

    With row-level security FORCEd, even the tables' owner sees nothing without a context, so
    `migrate` runs in the system context for its whole session (registry.rls).
    """
    from registry import rls

    rls.start_session_system_context(using)


def _end_system_context(sender, using, **kwargs):
    from registry import rls

    rls.end_session_system_context(using)


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = "Registry"

    def ready(self):
        # The signals are sent once per app; listening for this app's alone runs each once.
        pre_migrate.connect(_migrate_in_system_context, sender=self)
        post_migrate.connect(_end_system_context, sender=self)
        # The `__any` lookup (one array parameter for a list of ids) on the id-like fields.
        from registry import fast_rows as rows

        rows.register_lookups()


class RegistryAdminConfig(admin_apps.AdminConfig):
    """The admin site, restricted to platform admins (registry.admin_site)."""

    default = False
    default_site = "registry.admin_site.RegistryAdminSite"
