import pytest
from django.core.cache import cache
from django.utils import translation

from accounts.models import PlatformRole
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, UserFactory, member


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; the deliberately slow production hasher adds nothing to them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def nobody_forced_to_two_factor(settings):
    """Two-factor sign-in is forced on nobody (MFA_REQUIRED_ROLES empty), as in a closed test
    set-up: tests sign people in with force_login. The two-factor tests set it themselves."""
    settings.MFA_REQUIRED_ROLES = ""


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache. The database is rolled back after a test, so the
    change counters behind cached catalogue counts (projects.reads.facet_counts) start again from
    the same values with other rows: a figure cached by one test must not be read by the next.
    The counts' own first level, in the process's memory, is emptied with it."""
    from projects.reads import facet_counts

    cache.clear()
    facet_counts.forget_local()
    yield
    cache.clear()
    facet_counts.forget_local()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a page request in Russian activates Russian for
    the worker's thread, and service messages asserted later in that thread would follow it."""
    translation.activate("en")
    yield
    translation.deactivate()


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
def editor_a(org_a):
    return member(org_a, "editor", username="editor-a", email="editor@xian.example")


@pytest.fixture
def admin_a(org_a):
    return member(org_a, "admin", username="admin-a", email="admin@xian.example")


@pytest.fixture
def editor_b(org_b):
    return member(org_b, "editor", username="editor-b")


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


@pytest.fixture(autouse=True)
def _skip_postgres_only(request):
    """Tests marked postgres_only need a PostgreSQL feature SQLite lacks."""
    if request.node.get_closest_marker("postgres_only") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks, GIN indexes); runs in the PostgreSQL pass")


# A real Celery worker for the tests marked `worker` (tests/worker.py).
from tests.worker import _worker_process, celery_worker_process  # noqa: E402, F401
