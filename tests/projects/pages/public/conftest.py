"""A small world for the page tests: published records of Xi'an and Almaty, a draft of each,
links between them, a participation waiting for confirmation and an accepted sister-city link."""

import pytest

from accounts.domain import services as account_services
from projects.domain import participants
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, member
from tests.projects.factories import create, place_in_state


@pytest.fixture
def world(org_a, org_b, editor_a, editor_b):
    zone = place_in_state(create(Zone, org_b, editor_b), "published")
    train = place_in_state(create(Project, org_a, editor_a), "published")
    festival = place_in_state(
        create(
            Project,
            org_b,
            editor_b,
            title={"en": "Almaty apple festival", "ru": "Алматинский фестиваль яблок"},
            summary={"en": "Autumn festival of the apple's homeland."},
            category="event_festival",
            lifecycle_status="pipeline",
            countries=["KZ"],
            zones=[zone.identifier],
            locations=[{"name": "Almaty", "lat": 43.24, "lon": 76.89}],
        ),
        "published",
    )
    contact = place_in_state(
        create(
            Contact,
            org_b,
            editor_b,
            zones=[zone.identifier],
            projects=[festival.identifier],
        ),
        "published",
    )
    draft_a = create(Project, org_a, editor_a, title={"en": "Secret Xi'an draft"}, countries=["UZ"])
    draft_b = create(Zone, org_b, editor_b, name={"en": "Hidden Almaty draft zone"})
    return {
        "train": train,
        "zone": zone,
        "contact": contact,
        "festival": festival,
        "draft_a": draft_a,
        "draft_b": draft_b,
    }


@pytest.fixture
def admin_b(org_b):
    return member(org_b, "admin", username="admin-b")


@pytest.fixture
def sister_city(org_a, org_b, admin_a, admin_b):
    """Xi'an and Almaty, accepted (public); Xi'an and Samarkand, only proposed (not public)."""
    link = account_services.propose_link(Actor.for_user(admin_a), org_a, org_b, note="Since 2015")
    account_services.accept_link(Actor.for_user(admin_b), link)
    samarkand = OrganizationFactory(
        slug="samarkand", identifier_prefix="UZ-SAM", country="UZ", name={"en": "Samarkand"}
    )
    account_services.propose_link(Actor.for_user(admin_a), org_a, samarkand)
    return samarkand


@pytest.fixture
def unconfirmed_partner(world, org_a, org_b, editor_a):
    """Almaty named as a partner of Xi'an's train, not yet confirmed by Almaty's admins."""
    return participants.add_participant(Actor.for_user(editor_a), world["train"], org_b, "partner")


@pytest.fixture
def viewer_a(org_a):
    return member(org_a, "viewer", username="viewer-a")
