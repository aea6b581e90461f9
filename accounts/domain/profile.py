"""A person's own profile (issue 17): name, language of the site and of e-mails, and an e-mail
address that changes only once the new address confirmed it (a signed link sent there).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from registry import mail

EMAIL_CHANGE_SALT = "accounts.profile.email-change"
EMAIL_CHANGE_MAX_AGE = 2 * 24 * 3600  # two days


class EmailChangeInvalid(ValidationError):
    """The link is broken, expired, someone else's, or the address changed since."""


def update_profile(user: User, *, first_name: str, last_name: str, language: str) -> User:
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose a language.")}, code="invalid_language")
    user.first_name = (first_name or "").strip()[:150]
    user.last_name = (last_name or "").strip()[:150]
    user.language = language
    user.save(update_fields=["first_name", "last_name", "language"])
    return user


def request_email_change(user: User, new_email: str, link_for) -> None:
    """Send a confirmation link to `new_email`; nothing changes until it is opened."""
    new_email = (new_email or "").strip()
    try:
        validate_email(new_email)
    except ValidationError:
        message = _("Enter a valid e-mail address.")
        raise ValidationError({"email": message}, code="invalid") from None
    if new_email.lower() == (user.email or "").lower():
        raise ValidationError({"email": _("This is your address already.")}, code="unchanged")
    token = signing.dumps(
        {"user": user.pk, "email": new_email, "was": user.email or ""}, salt=EMAIL_CHANGE_SALT
    )
    context = {"user": user, "new_email": new_email, "link": link_for(token)}
    language = user.language
    transaction.on_commit(
        lambda: mail.send_templated("email_change", [new_email], context, language=language)
    )


def confirm_email_change(user: User, token: str) -> User:
    """Set the new address from a link sent to it: for that user, once, within two days."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature:
        data = None
    if not data or data.get("user") != user.pk or data.get("was") != (user.email or ""):
        raise EmailChangeInvalid(
            _("This confirmation link is not valid: it expired, was used, or is another's."),
            code="invalid_link",
        )
    user.email = data["email"]
    user.save(update_fields=["email"])
    return user
