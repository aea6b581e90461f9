"""Password reset e-mail (issue 17): one small function, so that the shared mail module can take
over the sending without touching the pages.

The message is in the person's language (`User.language` when the model has it, else English),
plain text and HTML, from templates/email/password_reset.{txt,html}.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_of(user) -> str:
    language = getattr(user, "language", "") or "en"
    return language if language in SUPPORTED else "en"


def send_reset_message(user, url: str) -> None:
    """Send `user` the link `url` that lets them choose a new password (valid for an hour)."""
    with translation.override(language_of(user)):
        context = {
            "user": user,
            "url": url,
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        subject = _("Reset your password for the Silk Road Cooperation Registry")
        text = render_to_string("email/password_reset.txt", context)
        html = render_to_string("email/password_reset.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    message.send()
