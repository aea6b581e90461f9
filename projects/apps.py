from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Registry records"

    def ready(self):
        from . import merging

        merging.connect()
