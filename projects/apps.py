from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Registry records"

    def ready(self):
        # Registers the records' rules with the tenant boundary.
        # What projects adds to an organization merge (accounts never imports projects).
        from projects.domain import change_counters, merging
        from projects.io import jobs, webhooks

        merging.connect()
        # List ETags and public metadata follow every change (projects/domain/change_counters.py).
        change_counters.connect()
        # Imports and exports as jobs, the reminders' task (issue 19; registry.jobs runs them).
        jobs.connect()
        # Partner webhooks hear of public changes (issue 19).
        webhooks.connect()
