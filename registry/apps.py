from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = "Registry"


class RegistryAdminConfig(admin_apps.AdminConfig):
    """The admin site, restricted to platform admins (registry.admin_site)."""

    default = False
    default_site = "registry.admin_site.RegistryAdminSite"
