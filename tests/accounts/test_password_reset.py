"""Password reset by e-mail (issue 17): the same answer whether the address has an account, an
hour's link in the person's language (plain text and HTML), the lockout ended by a reset, and
the file e-mail backend an operator can read."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from accounts.domain import reset
from tests.factories import DEFAULT_PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "turquoise-dome-1404"


def ask(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def test_the_same_answer_whether_or_not_the_address_has_an_account(client, editor_a):
    known = ask(client, editor_a.email)
    unknown = ask(client, "nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [editor_a.email]
    page = client.get(known["Location"]).content.decode()
    assert "If an account has this address" in page


def test_the_link_sets_a_new_password_once(client, editor_a):
    ask(client, editor_a.email)
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    url = link_in(message)
    assert url in html and "60 minutes" in message.body
    form = client.get(url, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/accounts/password/reset/complete/"
    editor_a.refresh_from_db()
    assert editor_a.check_password(NEW_PASSWORD)
    again = Client().get(url, follow=True).content.decode()
    assert "expired or was already used" in again


def test_the_link_expires_after_an_hour(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_a_completed_reset_ends_the_lockout(client, editor_a):
    for i in range(5):
        Client().post(
            "/accounts/login/",
            {"username": editor_a.username, "password": f"guess-{i}"},
            REMOTE_ADDR=f"192.0.2.{i}",
        )
    locked = Client().post(
        "/accounts/login/", {"username": editor_a.username, "password": DEFAULT_PASSWORD}
    )
    assert locked.status_code == 429
    ask(client, editor_a.email)
    form = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    answer = Client().post(
        "/accounts/login/", {"username": editor_a.username, "password": NEW_PASSWORD}
    )
    assert answer.status_code == 302


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Reset your password"), ("zh-hans", "重置"), ("ru", "Сброс")],
)
def test_the_message_is_in_the_persons_language(editor_a, language, words):
    editor_a.language = language  # User.language, when the model has it (issue 17, h17join)
    reset.send_reset_message(editor_a, "https://registry.example/accounts/password/reset/x/y/")
    message = mail.outbox[0]
    assert words in message.subject
    assert "https://registry.example/accounts/password/reset/x/y/" in message.body
    assert message.alternatives[0][1] == "text/html"
    if language != "en":
        assert "Someone asked" not in message.body


def test_the_file_backend_writes_what_was_sent(tmp_path, editor_a):
    """EMAIL_BACKEND=filebased with EMAIL_FILE_PATH from the environment (operators and browser
    tests read the messages there)."""
    code = (
        "from django.core.mail import send_mail\n"
        "from django.conf import settings\n"
        "send_mail('Subject', 'Body of the message', None, ['someone@example.org'])\n"
        "print(settings.EMAIL_FILE_PATH)\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={
            **{k: v for k, v in __import__("os").environ.items() if not k.startswith("EMAIL_")},
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    written = "".join(path.read_text() for path in tmp_path.iterdir())
    assert "Body of the message" in written and "someone@example.org" in written


# --- Requests per hour (PASSWORD_RESET_LIMIT per e-mail, PASSWORD_RESET_ADDRESS_LIMIT per address)


def test_past_the_limit_for_one_email_no_more_mail_and_the_same_answer(settings, editor_a):
    settings.PASSWORD_RESET_LIMIT = 3
    answers = [ask(Client(), editor_a.email).status_code for _ in range(3)]
    assert answers == [302, 302, 302] and len(mail.outbox) == 3
    # From another address too, and whatever the case of the e-mail: it is the same inbox.
    over = Client().post(
        "/accounts/password/reset/", {"email": editor_a.email.upper()}, REMOTE_ADDR="192.0.2.77"
    )
    assert over.status_code == 302 and over["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 3
    # Another person's reset still goes.
    other = UserFactory(email="someone.else@example.org")
    ask(Client(), other.email)
    assert len(mail.outbox) == 4 and mail.outbox[-1].to == [other.email]


def test_past_the_limit_an_unknown_address_answers_exactly_as_a_known_one(settings, editor_a):
    """No enumeration: over the limit, a known and an unknown e-mail get the same page."""
    settings.PASSWORD_RESET_LIMIT = 1
    for email in (editor_a.email, "nobody@nowhere.example"):
        ask(Client(), email)
    mail.outbox.clear()
    known = ask(Client(), editor_a.email)
    unknown = ask(Client(), "nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_one_address_asking_for_many_emails_is_limited(settings, db):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 4
    people = [UserFactory() for _ in range(6)]
    for person in people:
        answer = Client().post(
            "/accounts/password/reset/", {"email": person.email}, REMOTE_ADDR="198.51.100.9"
        )
        assert answer.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people[:4])
    # Another address is not held back by this one.
    Client().post(
        "/accounts/password/reset/", {"email": people[5].email}, REMOTE_ADDR="198.51.100.10"
    )
    assert mail.outbox[-1].to == [people[5].email] and len(mail.outbox) == 5


def test_an_invalid_form_is_not_counted(settings, editor_a):
    settings.PASSWORD_RESET_LIMIT = 1
    bad = Client().post("/accounts/password/reset/", {"email": "not an address"})
    assert bad.status_code == 200 and mail.outbox == []
    ask(Client(), editor_a.email)
    assert len(mail.outbox) == 1


def test_the_limits_default_to_five_and_twenty_an_hour():
    from django.conf import settings as live

    assert (live.PASSWORD_RESET_LIMIT, live.PASSWORD_RESET_ADDRESS_LIMIT) == (5, 20)
    assert reset.LIMIT_WINDOW_SECONDS == 3600
