"""Sister-city links: two-party consent (SPEC 2) and their visibility (SPEC 3)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.domain import services
from accounts.models import SisterCityLink, SisterCityStatus
from registry.tenancy import Actor, NotAllowed, NotVisible, visible
from tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def urumqi(db):
    return OrganizationFactory(slug="urumqi", identifier_prefix="CN-URUMQI", country="CN")


@pytest.fixture
def samarkand(db):
    return OrganizationFactory(slug="samarkand", identifier_prefix="UZ-SAM", country="UZ")


@pytest.fixture
def admins(urumqi, samarkand):
    return {
        "urumqi": Actor.for_user(member(urumqi, "admin")),
        "samarkand": Actor.for_user(member(samarkand, "admin")),
    }


def all_links():
    return list(SisterCityLink.objects.unscoped("test: every link"))


@pytest.fixture
def proposed(admins, urumqi, samarkand):
    return services.propose_link(admins["urumqi"], urumqi, samarkand, note="Astana, June 2025")


def test_propose_then_accept_makes_an_active_public_link(admins, proposed):
    assert proposed.status == SisterCityStatus.PROPOSED
    assert proposed.proposed_by == admins["urumqi"].user
    assert not visible(Actor.anonymous(), SisterCityLink).exists()

    link = services.accept_link(admins["samarkand"], proposed)
    link.refresh_from_db()
    assert link.status == SisterCityStatus.ACTIVE
    assert link.responded_by == admins["samarkand"].user
    assert link.established_on is not None
    assert list(visible(Actor.anonymous(), SisterCityLink)) == [link]


def test_decline(admins, proposed):
    link = services.decline_link(admins["samarkand"], proposed)
    link.refresh_from_db()
    assert link.status == SisterCityStatus.DECLINED
    assert not visible(Actor.anonymous(), SisterCityLink).exists()


def test_either_side_may_end_an_active_link(admins, proposed, urumqi, samarkand):
    link = services.accept_link(admins["samarkand"], proposed)
    ended = services.end_link(admins["samarkand"], link)
    assert ended.status == SisterCityStatus.ENDED
    assert ended.ended_by == admins["samarkand"].user
    assert not visible(Actor.anonymous(), SisterCityLink).exists()
    # After it ended, a new proposal (from the other side this time) is possible.
    again = services.propose_link(admins["samarkand"], samarkand, urumqi)
    services.accept_link(admins["urumqi"], again)
    services.end_link(admins["urumqi"], again)
    assert SisterCityLink.objects.unscoped("test").filter(status="ended").count() == 2


def test_the_proposer_cannot_accept_its_own_proposal(admins, proposed):
    with pytest.raises(NotAllowed):
        services.accept_link(admins["urumqi"], proposed)
    with pytest.raises(NotAllowed):
        services.decline_link(admins["urumqi"], proposed)
    proposed.refresh_from_db()
    assert proposed.status == SisterCityStatus.PROPOSED


def test_an_editor_of_the_partner_cannot_accept(samarkand, proposed):
    editor = Actor.for_user(member(samarkand, "editor"))
    with pytest.raises(NotAllowed):
        services.accept_link(editor, proposed)


def test_a_third_city_does_not_even_see_a_proposal(proposed, org_b):
    stranger = Actor.for_user(member(org_b, "admin"))
    with pytest.raises(NotVisible):
        services.accept_link(stranger, proposed)


def test_a_third_city_cannot_end_an_active_link(admins, proposed, org_b):
    link = services.accept_link(admins["samarkand"], proposed)
    stranger = Actor.for_user(member(org_b, "admin"))
    with pytest.raises(NotAllowed):
        services.end_link(stranger, link)
    link.refresh_from_db()
    assert link.status == SisterCityStatus.ACTIVE


def test_only_an_admin_of_the_proposing_side_may_propose(urumqi, samarkand):
    editor = Actor.for_user(member(urumqi, "editor"))
    partner_admin = Actor.for_user(member(samarkand, "admin"))
    with pytest.raises(NotAllowed):
        services.propose_link(editor, urumqi, samarkand)
    with pytest.raises(NotAllowed):
        services.propose_link(partner_admin, urumqi, samarkand)
    assert all_links() == []


@pytest.mark.parametrize(
    ("action", "setup"),
    [
        ("accept", "accept"),
        ("decline", "accept"),
        ("accept", "decline"),
        ("end", None),
        ("end", "decline"),
    ],
)
def test_wrong_state_is_refused(admins, proposed, action, setup):
    if setup == "accept":
        services.accept_link(admins["samarkand"], proposed)
    elif setup == "decline":
        services.decline_link(admins["samarkand"], proposed)
    before = SisterCityLink.objects.unscoped("test").get(pk=proposed.pk).status
    act = {
        "accept": services.accept_link,
        "decline": services.decline_link,
        "end": services.end_link,
    }[action]
    with pytest.raises(services.LinkStateError) as excinfo:
        act(admins["samarkand"], proposed)
    assert f"Cannot {action} this sister-city link: it is {before}" in excinfo.value.message
    assert SisterCityLink.objects.unscoped("test").get(pk=proposed.pk).status == before


def test_ending_a_link_already_ended_is_refused(admins, proposed):
    link = services.accept_link(admins["samarkand"], proposed)
    services.end_link(admins["urumqi"], link)
    with pytest.raises(services.LinkStateError):
        services.end_link(admins["samarkand"], link)


def test_refuses_a_link_to_oneself(admins, urumqi):
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(admins["urumqi"], urumqi, urumqi)
    assert "cannot be its own sister city" in excinfo.value.message_dict["partner"][0]
    assert all_links() == []


def test_refuses_a_link_to_a_non_government(admins, urumqi):
    rail = OrganizationFactory(
        slug="rail", identifier_prefix="CN-RAIL", kind="market_entity", sector="rail"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(admins["urumqi"], urumqi, rail)
    message = excinfo.value.message_dict["partner"][0]
    assert "rail is a market entity" in message and "two local governments" in message
    assert all_links() == []


def test_a_market_entity_cannot_propose_either(samarkand):
    rail = OrganizationFactory(
        slug="rail", identifier_prefix="CN-RAIL", kind="market_entity", sector="rail"
    )
    rail_admin = Actor.for_user(member(rail, "admin"))
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(rail_admin, rail, samarkand)
    assert "organization" in excinfo.value.message_dict
    assert all_links() == []


def test_refuses_a_link_to_a_deactivated_city(admins, urumqi):
    closed = OrganizationFactory(slug="closed", identifier_prefix="KZ-CLOSED", is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(admins["urumqi"], urumqi, closed)
    assert "closed is deactivated" in excinfo.value.message_dict["partner"][0]
    assert all_links() == []


def test_refuses_a_duplicate_in_the_same_direction(admins, proposed, urumqi, samarkand):
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(admins["urumqi"], urumqi, samarkand)
    assert (
        "already have a sister-city link that is proposed"
        in (excinfo.value.message_dict["partner"][0])
    )
    assert len(all_links()) == 1


def test_refuses_the_reverse_duplicate_of_an_open_link(admins, proposed, urumqi, samarkand):
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(admins["samarkand"], samarkand, urumqi)
    assert "link that is proposed" in excinfo.value.message_dict["partner"][0]
    services.accept_link(admins["samarkand"], proposed)
    with pytest.raises(ValidationError) as excinfo:
        services.propose_link(admins["samarkand"], samarkand, urumqi)
    assert "link that is active" in excinfo.value.message_dict["partner"][0]
    assert len(all_links()) == 1


def test_after_a_decline_a_new_proposal_is_possible(admins, proposed, urumqi, samarkand):
    services.decline_link(admins["samarkand"], proposed)
    again = services.propose_link(admins["urumqi"], urumqi, samarkand)
    assert again.status == SisterCityStatus.PROPOSED


def test_visibility_only_active_links_for_anonymous_and_own_links_for_members(
    admins, proposed, urumqi, samarkand, org_b
):
    almaty_admin = Actor.for_user(member(org_b, "admin"))
    assert not visible(Actor.anonymous(), SisterCityLink).exists()
    assert not visible(almaty_admin, SisterCityLink).exists()
    assert list(visible(admins["urumqi"], SisterCityLink)) == [proposed]
    assert list(visible(admins["samarkand"], SisterCityLink)) == [proposed]
    services.accept_link(admins["samarkand"], proposed)
    assert list(visible(Actor.anonymous(), SisterCityLink)) == [proposed]
    assert list(visible(almaty_admin, SisterCityLink)) == [proposed]
