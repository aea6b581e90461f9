"""A small published world for the page tests: Xi'an's train, Almaty's zone and contact."""

import pytest

from accounts import services as account_services
from projects.models import Contact, Project, Zone
from tests.factories import member
from tests.projects.factories import create, place_in_state


@pytest.fixture
def world(org_a, org_b, editor_a, editor_b):
    """Published records of two organizations, a draft of each, links between them."""
    train = place_in_state(create(Project, org_a, editor_a), "published")
    zone = place_in_state(create(Zone, org_b, editor_b), "published")
    contact = place_in_state(
        create(Contact, org_b, editor_b, zones=[zone.identifier]), "published"
    )
    festival = place_in_state(
        create(
            Project,
            org_b,
            editor_b,
            title={"en": "Almaty apple festival", "ru": "Алматинский фестиваль яблок"},
            category="event_festival",
            lifecycle_status="pipeline",
            countries=["KZ"],
            zones=[zone.identifier],
        ),
        "published",
    )
    draft_a = create(Project, org_a, editor_a, title={"en": "Secret Xi'an draft"})
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
def viewer_a(org_a):
    return member(org_a, "viewer", username="viewer-a")


@pytest.fixture
def sister_cities(org_a, org_b):
    """An accepted link (public) between Xi'an and Almaty."""
    proposer = member(org_a, "admin", username="xian-admin")
    responder = member(org_b, "admin", username="almaty-admin")
    return account_services, proposer, responder
