"""Every e-mail the registry sends, from templates, in each recipient's language (issue 17).

`send_templated(name, recipients, context)` renders `templates/email/<name>.subject.txt`,
`<name>.txt` and `<name>.html` once per language among the recipients (a user's `language`,
else the `language` given, else the site's default) and hands each message to `deliver`.

`deliver` is the one exit: it takes plain, serializable arguments only, the arguments of the
job queue's task `registry.jobs.send_message`, which sends through Django's mail (EMAIL_BACKEND;
the file backend lets operators and tests read what was sent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

from registry import jobs

SUBJECT_PREFIX = "[Silk Road Registry] "


def deliver(subject: str, body: str, html: str, to: list[str], from_email: str) -> None:
    """Send one message: plain text with an HTML alternative. The only way out.

    With a worker (issue 19), the task `registry.jobs.send_message` sends it once the caller's
    transaction commits, outside the request, retried with backoff while the mail server is
    away. Without one (the quick start, the tests), it is sent here, now."""
    if jobs.eager():
        jobs.deliver_now(subject, body, html, to, from_email)
    else:
        jobs.enqueue_message(subject, body, to, html=html, from_email=from_email)


def _language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def recipient_language(recipient, default: str | None = None) -> str:
    """A user's own language, else `default`, else the site's; always one of LANGUAGES."""
    for candidate in (getattr(recipient, "language", None), default):
        if candidate in _language_codes():
            return candidate
    return settings.LANGUAGE_CODE


def _address(recipient) -> str:
    return recipient if isinstance(recipient, str) else (getattr(recipient, "email", "") or "")


def by_language(recipients: Iterable, language: str | None = None) -> dict[str, list[str]]:
    """{language: sorted addresses}: one message per language, each address once."""
    grouped: dict[str, set[str]] = defaultdict(set)
    seen: set[str] = set()
    for recipient in recipients:
        address = _address(recipient).strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            grouped[recipient_language(recipient, language)].add(address)
    return {code: sorted(addresses) for code, addresses in grouped.items()}


def render(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of template `name` in `language`."""
    with translation.override(language):
        subject = render_to_string(f"email/{name}.subject.txt", context)
        plain = get_template(f"email/{name}.txt").template
        body = plain.render(Context({**context, "language": language}, autoescape=False))
        html = render_to_string(f"email/{name}.html", {**context, "language": language})
    subject = SUBJECT_PREFIX + " ".join(subject.split())
    return subject, body.strip() + "\n", html


def send_templated(name: str, recipients: Iterable, context: dict, language=None) -> int:
    """Render and deliver `name` to `recipients` (users or addresses); the messages sent."""
    sent = 0
    for code, addresses in by_language(recipients, language).items():
        subject, body, html = render(name, context, code)
        deliver(subject, body, html, addresses, settings.DEFAULT_FROM_EMAIL)
        sent += 1
    return sent
