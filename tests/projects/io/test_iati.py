"""The IATI activity XML export validates against the IATI 2.03 schema (lxml XMLSchema)."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from lxml import etree
from rest_framework.test import APIClient

from projects.domain import participants
from projects.io import iati
from registry.tenancy import Actor
from tests.factories import member
from tests.projects.factories import create, place_in_state
from tests.projects.io.conftest import MODELS, body

Project, Zone, Contact = MODELS["projects"], MODELS["zones"], MODELS["contacts"]


def export_xml(user=None, **params) -> etree._Element:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    response = client.get("/api/v1/projects/export.iati.xml", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return etree.fromstring(body(response))


def assert_valid(document: etree._Element) -> None:
    schema = iati.schema()
    assert schema.validate(document), schema.error_log


def test_the_demo_data_export_validates_against_the_iati_schema(db, settings):
    settings.DEBUG = True  # seed_demo is a development tool and runs only with DEBUG on
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    document = export_xml()
    assert_valid(document)
    assert document.get("version") == "2.03"
    identifiers = document.xpath("//iati-activity/iati-identifier/text()")
    assert "CN-XIAN-TRAIN-XIAN-ALMATY" in identifiers
    # Only published projects: the demo's drafts and submissions are not there.
    assert "CN-XIAN-VISA-SERVICE" not in identifiers


def test_an_activity_carries_every_element_of_the_issue(org_a, org_b, editor_a):
    # A registered Chinese organization is known by its unified social credit code (CN-USCI);
    # the Kazakh one without a registration id is named by its narratives only.
    org_a.registration_id = "91610100MA6TG0001F"
    org_a.save()
    admin_b = member(org_b, "admin")
    actor = Actor.for_user(editor_a)
    project = create(
        Project,
        org_a,
        editor_a,
        ref="TRAIN",
        title={"en": "Xi'an-Almaty train", "zh": "西安—阿拉木图专列", "ru": "Поезд"},
        description={"en": "The long description."},
        expected_outcomes={"en": "More visitors."},
        actual_start="2025-06-10",
        actual_end="2027-12-31",
        documents=[
            {"title": "Agreement", "url": "https://example.org/a.pdf", "category": "agreement"},
            {"title": "Site", "url": "https://example.org/", "language": "ru"},
        ],
    )
    request = participants.add_participant(actor, project, org_b, "funder")
    participants.respond_participation(Actor.for_user(admin_b), request, True)
    participants.add_participant(actor, project, org_a, "operator")
    contact = create(Contact, org_a, editor_a, ref="HOTLINE", projects=[project.identifier])
    place_in_state(contact, "published")
    place_in_state(project, "published")
    create(Project, org_a, editor_a, ref="DRAFT")  # not published: not exported

    document = export_xml()
    assert_valid(document)
    (activity,) = document.findall("iati-activity")
    assert activity.findtext("iati-identifier") == "CN-XIAN-TRAIN"
    assert activity.get("default-currency") == "CNY"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("CN-USCI-91610100MA6TG0001F", "11")
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    title = {n.get(lang): n.text for n in activity.find("title")}
    assert title == {"en": "Xi'an-Almaty train", "zh": "西安—阿拉木图专列", "ru": "Поезд"}
    descriptions = {d.get("type"): d.findtext("narrative") for d in activity.findall("description")}
    assert descriptions == {
        "1": "The long description.",
        "4": "The first China-Central Asia cultural tourism train.",
        "2": "More visitors.",
    }
    roles = {(o.get("ref"), o.get("role")) for o in activity.findall("participating-org")}
    assert roles == {(None, "1"), ("CN-USCI-91610100MA6TG0001F", "4")}
    funder = activity.xpath("participating-org[@role='1']")[0]
    assert funder.findtext("narrative")
    assert activity.find("activity-status").get("code") == "2"
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    # The actual end in the future is left out (IATI: actual dates are never in the future).
    assert dates == {"1": "2025-05-01", "2": "2025-06-10", "3": "2027-12-31"}
    countries = [
        (c.get("code"), c.get("percentage")) for c in activity.findall("recipient-country")
    ]
    assert countries == [("CN", "50"), ("KZ", "50")]
    sectors = [
        (s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in activity.iter("sector")
    ]
    assert sectors == [("1", "33210", "50"), ("1", "21030", "50")]
    # GML order: latitude first (GeoJSON has longitude first).
    assert activity.xpath("location/point/pos/text()") == ["34.34 108.94", "43.24 76.89"]
    # One budget per calendar year of 2025-05-01..2027-12-31, in proportion to the days.
    budgets = [
        (
            b.find("period-start").get("iso-date"),
            b.find("period-end").get("iso-date"),
            b.findtext("value"),
        )
        for b in activity.findall("budget")
    ]
    assert budgets == [
        ("2025-05-01", "2025-12-31", "376923.08"),
        ("2026-01-01", "2026-12-31", "561538.46"),
        ("2027-01-01", "2027-12-31", "561538.46"),
    ]
    assert sum(Decimal(v) for _s, _e, v in budgets) == Decimal("1500000.00")
    links = activity.findall("document-link")
    assert [(d.get("format"), d.find("category").get("code")) for d in links] == [
        ("application/pdf", "A09"),
        ("text/html", "A12"),
    ]
    (info,) = activity.findall("contact-info")
    assert info.findtext("telephone") == "+77272000000"
    assert info.findtext("email") == "claims@example.org"


def test_a_pending_participant_is_left_out_and_the_owner_is_accountable(org_a, org_b, editor_a):
    project = create(Project, org_a, editor_a, ref="TRAIN")
    participants.add_participant(Actor.for_user(editor_a), project, org_b, "partner")
    place_in_state(project, "published")
    document = export_xml()
    assert_valid(document)
    roles = [(o.get("ref"), o.get("role")) for o in document.iter("participating-org")]
    # Without a registration id, a participating organization is named, not referenced.
    assert roles == [(None, "2")]


def test_a_project_published_without_a_start_date_starts_on_its_publication_day(org_a, editor_a):
    undated = create(Project, org_a, editor_a, ref="UNDATED")
    place_in_state(undated, "published")
    Project.objects.unscoped("a project published before the start date was required").filter(
        pk=undated.pk
    ).update(planned_start=None, planned_end=None)
    document = export_xml()
    assert_valid(document)
    (date,) = document.xpath("//activity-date")
    undated.refresh_from_db()
    assert (date.get("type"), date.get("iso-date")) == (
        "1",
        undated.published_at.date().isoformat(),
    )
    assert "first published" in date.findtext("narrative")


def test_archived_projects_are_exported_with_their_activity_status(org_a, editor_a):
    closed = create(Project, org_a, editor_a, ref="CLOSED", lifecycle_status="closed")
    place_in_state(closed, "archived")
    (activity,) = export_xml().findall("iati-activity")
    assert activity.findtext("iati-identifier") == "CN-XIAN-CLOSED"
    assert activity.find("activity-status").get("code") == "4"


def test_the_iati_export_shows_only_what_the_caller_may_see_and_takes_filters(
    org_a, org_b, editor_a, editor_b
):
    place_in_state(create(Project, org_a, editor_a, ref="A", countries=["CN"]), "published")
    place_in_state(create(Project, org_b, editor_b, ref="B", countries=["KZ"]), "published")
    assert export_xml(country="KZ").xpath("//iati-identifier/text()") == ["KZ-ALA-B"]
    viewer = member(org_a, "viewer")
    assert set(export_xml(viewer).xpath("//iati-identifier/text()")) == {"CN-XIAN-A", "KZ-ALA-B"}
    client = APIClient()
    assert client.get("/api/v1/projects/export.iati.xml", {"country": "XX"}).status_code == 400


@pytest.mark.parametrize("path", ["/projects/export.iati.xml"])
def test_the_catalogue_links_the_iati_export(path, client, org_a, editor_a):
    place_in_state(create(Project, org_a, editor_a, ref="A"), "published")
    response = client.get(path)
    assert response.status_code == 200
    assert_valid(etree.fromstring(body(response)))
