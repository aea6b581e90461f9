"""Invitations by e-mail (issue 17, finding 6): the admin invites an address, the invitee
consents by accepting, and the members page never tells whether an address has an account."""

import re
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.domain import invitations
from accounts.models import Invitation, Membership
from registry.tenancy import Actor, visible
from tests.factories import UserFactory, member

NEW_PASSWORD = "Caravan-Serai-2026"


def roles_in(organization, admin) -> dict:
    rows = visible(Actor.for_user(admin), Membership).filter(organization=organization)
    return {row.user.username: row.role for row in rows.select_related("user")}


def invite(client, capture, email, role="editor"):
    with capture(execute=True):
        response = client.post(reverse("members"), {"email": email, "role": role})
    return response


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/invitations/[^/\s]+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_the_answer_is_the_same_whether_the_address_has_an_account(
    client, org_a, admin_a, django_capture_on_commit_callbacks
):
    UserFactory(username="known", email="known@example.org")
    client.force_login(admin_a)
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        response = invite(client, django_capture_on_commit_callbacks, email)
        assert response.status_code == 302
        answers.append(client.get(reverse("members")).content.decode())
    assert "Invitation sent to known@example.org." in answers[0]
    assert "Invitation sent to unknown@example.org." in answers[1]
    # No membership without consent: the existing account is not added.
    assert "known" not in roles_in(org_a, admin_a)
    assert [message.to for message in mail.outbox] == [
        ["known@example.org"],
        ["unknown@example.org"],
    ]
    page = answers[1]
    assert "known@example.org" in page and "unknown@example.org" in page  # pending, listed


def test_a_newcomer_creates_an_account_from_the_link_and_works(
    client, org_a, admin_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, "new.colleague@example.org", "editor")
    [message] = mail.outbox
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    link = path_of(link_in(message))
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Cache-Control" in page
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    # Passwords that differ, or a weak one, are refused by the field.
    differ = {"username": "colleague", "password1": NEW_PASSWORD, "password2": "other"}
    assert client.post(link, differ).status_code == 400
    weak = {"username": "colleague", "password1": "123", "password2": "123"}
    response = client.post(link, weak)
    assert response.status_code == 400 and "password1" in response.context["form"].errors
    taken = {"username": admin_a.username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert "username" in client.post(link, taken).context["form"].errors
    good = {"username": "colleague", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(link, good)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert roles_in(org_a, admin_a)["colleague"] == "editor"
    assert client.get(reverse("dashboard")).status_code == 200
    # Single use: the link is spent.
    client.logout()
    again = client.get(link)
    assert again.status_code == 404
    assert "not valid" in again.content.decode()
    signed_in = client.post(reverse("login"), {"username": "colleague", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_an_existing_account_signs_in_and_accepts(
    client, org_a, org_b, admin_a, django_capture_on_commit_callbacks
):
    person = member(org_b, "editor", username="almaty-editor")
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, person.email.upper(), "viewer")
    link = path_of(link_in(mail.outbox[0]))
    client.logout()
    assert 'href="/accounts/login/?next=' in client.get(link).content.decode()
    client.force_login(person)
    assert "almaty-editor" not in roles_in(org_a, admin_a)  # not before consent
    page = client.get(link)
    assert "Accept as almaty-editor" in page.content.decode()
    assert client.post(link, {"action": "accept"}).status_code == 302
    assert roles_in(org_a, admin_a)["almaty-editor"] == "viewer"
    assert client.post(link, {"action": "accept"}).status_code == 404


def test_revoke_asks_first_and_kills_the_link_resend_renews_it(
    client, org_a, admin_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, "x@example.org")
    first = path_of(link_in(mail.outbox[0]))
    [invitation] = invitations.pending(Actor.for_user(admin_a), org_a)
    with django_capture_on_commit_callbacks(execute=True):
        resend = client.post(reverse("invitation-resend", args=[invitation.pk]))
    assert resend.status_code == 302
    second = path_of(link_in(mail.outbox[1]))
    assert first != second
    assert client.get(first).status_code == 404  # the old link stops working
    assert client.get(second).status_code == 200
    ask = client.post(reverse("invitation-revoke", args=[invitation.pk]))
    assert ask.status_code == 200 and 'name="confirmed" value="yes"' in ask.content.decode()
    assert client.get(second).status_code == 200  # asking changed nothing
    done = client.post(reverse("invitation-revoke", args=[invitation.pk]), {"confirmed": "yes"})
    assert done.status_code == 302
    assert client.get(second).status_code == 404
    assert not invitations.pending(Actor.for_user(admin_a), org_a).exists()


def test_an_expired_link_and_a_made_up_one_are_refused(
    client, org_a, admin_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, "late@example.org")
    link = path_of(link_in(mail.outbox[0]))
    rows = Invitation.objects.unscoped("test: age the invitation")
    rows.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()
    assert client.get(link).status_code == 404
    assert client.get("/accounts/invitations/made-up/").status_code == 404
    good = {"username": "late", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(link, good).status_code == 404


def test_only_the_token_hash_is_stored(client, org_a, admin_a, django_capture_on_commit_callbacks):
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, "hash@example.org")
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    [row] = Invitation.objects.unscoped("test").all()
    assert row.token_hash == invitations.token_hash(token) and token not in row.token_hash


def test_only_admins_invite_and_only_their_organization_s_invitations(
    client, org_a, org_b, admin_a, editor_a, django_capture_on_commit_callbacks
):
    client.force_login(editor_a)
    assert invite(client, django_capture_on_commit_callbacks, "e@example.org").status_code == 403
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, "e@example.org")
    [invitation] = invitations.pending(Actor.for_user(admin_a), org_a)
    client.force_login(member(org_b, "admin"))
    assert client.post(reverse("invitation-revoke", args=[invitation.pk])).status_code == 404
    revoke = reverse("invitation-revoke", args=[invitation.pk])
    assert client.post(revoke, {"confirmed": "yes"}).status_code == 404
    assert client.post(reverse("invitation-resend", args=[invitation.pk])).status_code == 404
    # A malformed address is refused by the field.
    client.force_login(admin_a)
    response = client.post(reverse("members"), {"email": "not-an-address", "role": "viewer"})
    assert response.status_code == 400


def test_the_mail_is_in_the_invitee_s_language(
    client, org_a, admin_a, django_capture_on_commit_callbacks
):
    UserFactory(username="rus", email="rus@example.org", language="ru")
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, "rus@example.org")
    [message] = mail.outbox
    assert "Вас приглашают" in message.subject
    assert 'lang="ru"' in message.alternatives[0][0]


def test_accepting_never_changes_an_existing_member_s_role(
    client, org_a, admin_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    invite(client, django_capture_on_commit_callbacks, admin_a.email, "viewer")
    link = path_of(link_in(mail.outbox[0]))
    assert client.post(link, {"action": "accept"}).status_code == 302
    assert roles_in(org_a, admin_a)[admin_a.username] == "admin"  # not demoted, still an admin
    assert client.get(link).status_code == 404
