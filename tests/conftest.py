import pytest

from accounts.models import PlatformRole
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, UserFactory, member


@pytest.fixture
def org_a(db):
    return OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN", city="Xi'an")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(slug="almaty", identifier_prefix="KZ-ALA", country="KZ")


@pytest.fixture
def secretariat(db):
    return OrganizationFactory(
        slug="secretariat", identifier_prefix="SRR", kind="secretariat", country="CN"
    )


@pytest.fixture
def reviewer(secretariat):
    user = member(secretariat, "viewer", username="reviewer")
    user.platform_role = PlatformRole.REVIEWER
    user.save()
    return user


@pytest.fixture
def platform_admin(secretariat):
    user = member(secretariat, "admin", username="platform-admin")
    user.platform_role = PlatformRole.PLATFORM_ADMIN
    user.save()
    return user


@pytest.fixture
def outsider(db):
    """Signed in, member of nothing."""
    return UserFactory(username="outsider")


@pytest.fixture
def actor_of():
    """actor_of(user) -> the Actor the boundary sees for that user (None: signed out)."""
    return lambda user=None, **kwargs: Actor.for_user(user, **kwargs) if user else Actor.anonymous()
