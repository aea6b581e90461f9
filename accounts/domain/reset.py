"""Password reset e-mail (issue 17), sent like every other message (registry/mail.py): in the
person's language, plain text and HTML, from templates/email/password_reset.*.
"""

from __future__ import annotations

from django.conf import settings

from registry import mail


def send_reset_message(user, url: str) -> None:
    """Send `user` the link `url` that lets them choose a new password (valid for an hour)."""
    context = {"user": user, "url": url, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    mail.send_templated("password_reset", [user], context)
