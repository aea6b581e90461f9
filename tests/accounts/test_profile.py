"""My profile (issue 17): name and language save at once; a new e-mail address only once the
link sent to it is opened, by the same person, within two days."""

import re

from django.core import mail, signing
from django.urls import reverse

from accounts.domain import profile as profiles
from tests.factories import UserFactory


def form(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
    }
    return {**data, **changes}


def test_profile_needs_sign_in_and_saves_name_and_language(client, db):
    assert client.get(reverse("profile"))["Location"].startswith("/accounts/login/")
    user = UserFactory(username="li")
    client.force_login(user)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
    response = client.post(reverse("profile"), form(user, first_name="Li", language="ru"))
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ru"
    user.refresh_from_db()
    assert (user.first_name, user.language) == ("Li", "ru")
    bad = client.post(reverse("profile"), form(user, language="fr"))
    assert bad.status_code == 400


def test_a_new_address_changes_only_from_the_link_sent_to_it(
    client, db, django_capture_on_commit_callbacks
):
    user = UserFactory(username="li", email="li@old.example", language="zh-hans")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("profile"), form(user, email="li@new.example"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "li@old.example"  # not yet
    [message] = mail.outbox
    assert message.to == ["li@new.example"] and "确认" in message.subject
    link = (
        "/"
        + re.search(r"https?://\S+/accounts/profile/email/\S+/", message.body)
        .group(0)
        .split("/", 3)[3]
    )
    assert client.get(link).status_code == 200  # GET asks; nothing changes
    user.refresh_from_db()
    assert user.email == "li@old.example"
    # Someone else signed in cannot use it.
    client.force_login(UserFactory(username="other"))
    client.post(link)
    user.refresh_from_db()
    assert user.email == "li@old.example"
    client.force_login(user)
    assert client.post(link).status_code == 302
    user.refresh_from_db()
    assert user.email == "li@new.example"
    client.post(link)  # used: the address it was sent from is no longer the current one
    user.refresh_from_db()
    assert user.email == "li@new.example"


def test_broken_and_expired_links_are_refused(db):
    user = UserFactory(email="a@example.org")
    for token in ("nonsense", signing.dumps({"user": user.pk}, salt="other")):
        try:
            profiles.confirm_email_change(user, token)
        except profiles.EmailChangeInvalid:
            pass
        else:
            raise AssertionError("a broken link was accepted")
    user.refresh_from_db()
    assert user.email == "a@example.org"
