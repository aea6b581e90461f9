from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Registry records"

    def ready(self):
        # Registers the records' rules with the tenant boundary.
        from projects import boundary  # noqa: F401
