"""Django's password validators run wherever a password is set: the create_user command (see
test_memberships.py), the services, the admin's forms and the password change page."""

import pytest
from django.core.exceptions import ValidationError

from accounts.domain import services
from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, member

pytestmark = pytest.mark.django_db
WEAK = ["short", "password", "12345678"]


@pytest.mark.parametrize("password", WEAK)
def test_services_refuse_weak_passwords(org_a, password):
    with pytest.raises(ValidationError) as excinfo:
        services.create_user("li.na", "l@example.org", password)
    assert "password" in excinfo.value.message_dict
    assert not User.objects.filter(username="li.na").exists()
    user = member(org_a, "viewer")
    with pytest.raises(ValidationError):
        services.set_password(user, password)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("password", WEAK)
def test_password_change_page_refuses_weak_passwords(client, org_a, password):
    user = member(org_a, "viewer")
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("password", WEAK)
def test_admin_refuses_weak_passwords(client, platform_admin, password):
    client.force_login(platform_admin)
    added = client.post(
        "/admin/accounts/user/add/",
        {"username": "li.na", "usable_password": "true", "password1": password,
         "password2": password},
    )  # fmt: skip
    assert added.status_code == 200 and added.context["adminform"].form.errors
    assert not User.objects.filter(username="li.na").exists()
    changed = client.post(
        f"/admin/accounts/user/{platform_admin.pk}/password/",
        {"usable_password": "true", "password1": password, "password2": password},
    )
    assert changed.status_code == 200 and changed.context["form"].errors
    platform_admin.refresh_from_db()
    assert platform_admin.check_password(DEFAULT_PASSWORD)
