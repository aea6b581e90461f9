"""Organizations apply to join; platform admins approve or decline (issue 17)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ApplicationStatus, Membership, Organization, OrganizationApplication
from tests.factories import OrganizationFactory

NEW_PASSWORD = "Caravan-Serai-2026"
USCC = "914403001922038216"


def application_data(**changes):
    data = {
        "name_en": "Kashgar Municipal People's Government",
        "name_zh": "喀什市人民政府",
        "name_ru": "Народное правительство города Кашгар",
        "kind": "local_government",
        "country": "CN",
        "registration_id": "",
        "website": "https://kashgar.gov.cn/",
        "applicant_name": "Aziz Mamat",
        "applicant_email": "aziz@kashgar.gov.cn",
    }
    return {**data, **changes}


def apply(client, capture, **changes):
    with capture(execute=True):
        return client.post(reverse("organization-apply"), application_data(**changes))


def the_application():
    return OrganizationApplication.objects.get()


def test_a_city_applies_and_is_told_in_its_language(client, db, django_capture_on_commit_callbacks):
    assert client.get(reverse("organization-apply")).status_code == 200
    client.cookies["django_language"] = "zh-hans"
    response = apply(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    application = the_application()
    assert application.name["zh"] == "喀什市人民政府" and application.language == "zh-hans"
    assert application.status == ApplicationStatus.PENDING
    [message] = mail.outbox
    assert message.to == ["aziz@kashgar.gov.cn"] and "我们已收到" in message.subject


def test_the_form_refuses_what_it_must(client, db, django_capture_on_commit_callbacks):
    no_name = apply(client, django_capture_on_commit_callbacks, name_en="", name_zh="", name_ru="")
    assert no_name.status_code == 400
    bad_number = apply(
        client, django_capture_on_commit_callbacks, registration_id="91440300192203821X"
    )
    assert bad_number.status_code == 400 and "registration_id" in bad_number.context["form"].errors
    secretariat = apply(client, django_capture_on_commit_callbacks, kind="secretariat")
    assert secretariat.status_code == 400
    bad_email = apply(client, django_capture_on_commit_callbacks, applicant_email="nope")
    assert bad_email.status_code == 400
    assert not OrganizationApplication.objects.exists() and not mail.outbox


def test_platform_admin_sees_it_with_likely_duplicates_and_approves(
    client, platform_admin, django_capture_on_commit_callbacks
):
    OrganizationFactory(
        slug="kashi", identifier_prefix="CN-KS", country="CN", website="https://www.kashgar.gov.cn"
    )
    OrganizationFactory(
        slug="xian",
        identifier_prefix="CN-XIAN",
        country="CN",
        name={"en": "Xi'an Municipal People's Government"},
    )
    apply(client, django_capture_on_commit_callbacks, registration_id=USCC)
    application = the_application()
    client.force_login(platform_admin)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Kashgar Municipal People" in dashboard and "same website kashgar.gov.cn" in dashboard
    page = client.get(reverse("organization-application", args=[application.pk]))
    likely = [organization.slug for organization, _match in page.context["likely"]]
    assert likely == ["kashi"]  # not Xi'an: "Municipal People's Government" says little
    approve = reverse("organization-application-approve", args=[application.pk])
    reserved = client.post(approve, {"slug": "apply", "identifier_prefix": "CN-KASHGAR"})
    assert reserved.status_code == 400 and "slug" in reserved.context["approval"].errors
    taken = client.post(approve, {"slug": "kashgar", "identifier_prefix": "CN-KS"})
    assert taken.status_code == 400 and not Organization.objects.filter(slug="kashgar").exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(approve, {"slug": "kashgar", "identifier_prefix": "CN-KASHGAR"})
    assert done.status_code == 302
    organization = Organization.objects.get(slug="kashgar")
    assert organization.identifier_prefix == "CN-KASHGAR" and organization.registration_id == USCC
    application.refresh_from_db()
    assert application.status == "approved" and application.created_organization == organization
    message = mail.outbox[-1]
    assert message.to == ["aziz@kashgar.gov.cn"] and "joined the registry" in message.subject
    link = (
        "/"
        + re.search(r"https?://\S+/accounts/invitations/\S+/", message.body)
        .group(0)
        .split("/", 3)[3]
    )
    client.logout()
    good = {"username": "aziz", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(link, good).status_code == 302
    membership = Membership.objects.unscoped("test").get(user__username="aziz")
    assert membership.organization == organization and membership.role == "admin"
    # Decided once: a second approval is refused.
    client.force_login(platform_admin)
    again = client.post(approve, {"slug": "kashgar-2", "identifier_prefix": "CN-KASHGAR2"})
    assert again.status_code == 409


def test_decline_needs_a_reason_and_tells_the_applicant(
    client, platform_admin, django_capture_on_commit_callbacks
):
    apply(client, django_capture_on_commit_callbacks, name_en="Test City")
    application = the_application()
    client.force_login(platform_admin)
    decline = reverse("organization-application-decline", args=[application.pk])
    assert client.post(decline, {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decline, {"reason": "Not a member of the cooperation."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "declined"
    message = mail.outbox[-1]
    assert "declined" in message.subject and "Not a member of the cooperation." in message.body


@pytest.mark.parametrize("who", ["anonymous", "reviewer", "editor"])
def test_only_platform_admins_decide(
    client, who, reviewer, editor_a, django_capture_on_commit_callbacks
):
    apply(client, django_capture_on_commit_callbacks)
    application = the_application()
    if who == "reviewer":
        client.force_login(reviewer)
    elif who == "editor":
        client.force_login(editor_a)
    page = client.get(reverse("organization-application", args=[application.pk]))
    approve = reverse("organization-application-approve", args=[application.pk])
    response = client.post(approve, {"slug": "x", "identifier_prefix": "CN-X"})
    if who == "anonymous":
        assert page.status_code == 302 and response.status_code == 302
    else:
        assert page.status_code == 403 and response.status_code == 403
    assert the_application().status == "pending"
    assert "Organizations applying" not in client.get(reverse("dashboard")).content.decode()


def test_an_unknown_application_is_404(client, platform_admin):
    client.force_login(platform_admin)
    assert client.get(reverse("organization-application", args=[999])).status_code == 404


def test_one_address_sends_at_most_five_applications_an_hour(
    client, db, django_capture_on_commit_callbacks
):
    for number in range(5):
        response = apply(client, django_capture_on_commit_callbacks, name_en=f"City {number}")
        assert response.status_code == 302
    refused = apply(client, django_capture_on_commit_callbacks, name_en="City 6")
    assert refused.status_code == 429
    assert OrganizationApplication.objects.count() == 5 and len(mail.outbox) == 5
