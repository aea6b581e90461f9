from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organizations and people"

    def ready(self):
        # Connects the sign-in and lockout signals to the security event log.
        from accounts import security  # noqa: F401
