"""IATI's own rules (its ruleset evaluator and standard_py.json, vendored in iati_rules/) find
nothing broken in the registry's IATI export, and every code in it is in IATI's codelists."""

from __future__ import annotations

import collections
import json
import sys
from copy import deepcopy
from pathlib import Path

import pytest
from django.core.management import call_command
from lxml import etree

from projects.io import iati
from projects.models import Project
from tests.projects.factories import create, place_in_state
from tests.projects.io.test_iati import assert_valid, export_xml

RULES_DIR = Path(__file__).resolve().parent / "iati_rules"
CODELISTS = RULES_DIR / "codelists"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# attribute XPath (relative to an iati-activity) -> the codelist its values come from.
CODED = {
    "@default-currency": "Currency",
    "reporting-org/@type": "OrganisationType",
    "participating-org/@type": "OrganisationType",
    "participating-org/@role": "OrganisationRole",
    "activity-status/@code": "ActivityStatus",
    "activity-date/@type": "ActivityDateType",
    "recipient-country/@code": "Country",
    "sector/@vocabulary": "SectorVocabulary",
    "sector/@code": "Sector",
    "budget/@type": "BudgetType",
    "budget/@status": "BudgetStatus",
    "budget/value/@currency": "Currency",
    "document-link/category/@code": "DocumentCategory",
    "document-link/language/@code": "Language",
}


def broken_rules(document: etree._Element) -> list[str]:
    """What IATI's evaluator says is broken, one line per activity, rule and case."""
    sys.path.insert(0, str(RULES_DIR))
    try:
        import iatirulesets
    finally:
        sys.path.remove(str(RULES_DIR))
    ruleset = json.loads(
        (RULES_DIR / "standard_py.json").read_text(),
        object_pairs_hook=collections.OrderedDict,
    )
    broken = []
    for element in document:
        if not isinstance(element.tag, str):
            continue
        # The evaluator moves the element under its own root: it gets a copy.
        copy = deepcopy(element)
        for result in iatirulesets.test_ruleset_subelement(ruleset, copy, verbose=True):
            if result["result"] is False:
                identifier = element.findtext("iati-identifier")
                broken.append(f"{identifier} {result['rule']} {json.dumps(result['case'])}")
    return broken


def codes(codelist: str) -> set[str]:
    tree = etree.parse(str(CODELISTS / f"{codelist}.xml"))
    return set(tree.xpath("//codelist-item/code/text()"))


def codes_outside_the_codelists(document: etree._Element) -> list[str]:
    wrong = []
    for path, codelist in CODED.items():
        known = codes(codelist)
        for value in document.xpath(f"//iati-activity/{path}"):
            if value not in known:
                wrong.append(f"{path}={value} not in {codelist}")
    agencies = codes("OrganisationRegistrationAgency")
    for ref in document.xpath("//participating-org/@ref"):
        if not any(ref.startswith(f"{agency}-") for agency in agencies):
            wrong.append(f"participating-org ref {ref} from no registration agency")
    return wrong


def test_the_evaluator_finds_broken_rules_where_there_are(org_a, editor_a):
    # The test's own check: an activity without a sector breaks rule 6.2.2.
    place_in_state(create(Project, org_a, editor_a, ref="A"), "published")
    document = export_xml()
    for sector in document.xpath("//sector"):
        sector.getparent().remove(sector)
    assert any("sector" in line for line in broken_rules(document))
    document.xpath("//recipient-country")[0].set("percentage", "40")
    assert any("recipient-country/@percentage" in line for line in broken_rules(document))


def test_the_demo_export_breaks_no_iati_rule_and_uses_only_iati_codes(db, settings):
    settings.DEBUG = True  # seed_demo is a development tool and runs only with DEBUG on
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    document = export_xml()
    assert_valid(document)
    assert broken_rules(document) == []
    assert codes_outside_the_codelists(document) == []
    identifiers = document.xpath("//iati-identifier/text()")
    # Archived projects are public too: the closed tourism week is in the file.
    archived = Project.objects.unscoped("the demo's archived projects").filter(
        workflow_state="archived"
    )
    assert archived.exists()
    assert set(archived.values_list("identifier", flat=True)) <= set(identifiers)
    for activity in document.iter("iati-activity"):
        assert activity.xpath("activity-date[@type='1' or @type='2']")


@pytest.mark.parametrize(
    "overrides",
    [
        {"countries": ["CN", "KZ", "UZ"], "category": "air_route"},
        {"countries": ["KZ"], "planned_start": "2024-03-01", "planned_end": "2029-02-28"},
        {"planned_start": "2026-01-01", "planned_end": "2026-01-01", "budget_amount": "0.01"},
        {"actual_start": "2020-01-01", "actual_end": "2099-01-01", "planned_end": "2099-01-01"},
    ],
)
def test_awkward_projects_break_no_iati_rule(overrides, org_a, editor_a):
    project = create(Project, org_a, editor_a, ref="AWKWARD", **overrides)
    place_in_state(project, "published")
    document = export_xml()
    assert_valid(document)
    assert broken_rules(document) == []
    assert codes_outside_the_codelists(document) == []
    total = sum(float(v) for v in document.xpath("//budget/value/text()"))
    assert round(total, 2) == float(project.budget_amount)


def test_the_organisation_file_is_valid_and_breaks_no_rule(org_a, org_b, client):
    org_a.registration_id = "91610100MA6TG0001F"
    org_a.save()
    response = client.get(f"/api/v1/organizations/{org_a.slug}/export.iati-org.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    document = etree.fromstring(response.content)
    schema = iati.organisation_schema()
    assert schema.validate(document), schema.error_log
    assert broken_rules(document) == []
    assert document.findtext("iati-organisation/organisation-identifier") == (
        "CN-USCI-91610100MA6TG0001F"
    )
    # Without a registration id: the registry prefix (reporting-org needs a ref).
    response = client.get(f"/api/v1/organizations/{org_b.slug}/export.iati-org.xml")
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log
    assert document.findtext("iati-organisation/organisation-identifier") == "KZ-ALA"
    missing = client.get("/api/v1/organizations/no-such-org/export.iati-org.xml")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")


@pytest.mark.postgres_only  # the generator writes with PostgreSQL's COPY
def test_the_benchmark_data_breaks_no_iati_rule(db):
    """The benchmark's generated registry (bench/generate.py): projects without a start date,
    registration ids of no known format, several countries, long budgets."""
    from django.db import connection

    from bench.generate import generate

    generate(connection, 300)
    document = export_xml()
    assert_valid(document)
    assert len(document.findall("iati-activity")) > 50
    assert broken_rules(document) == []
    assert codes_outside_the_codelists(document) == []


def test_a_project_overrides_its_sectors_with_dac_tags(org_a, editor_a):
    tags = ["dac:21030", "DAC:33210", "dac:16061", "dac:99999", "rail"]  # 99999: no such code
    place_in_state(create(Project, org_a, editor_a, ref="OWN", tags=tags), "published")
    document = export_xml()
    sectors = [(s.get("code"), s.get("percentage")) for s in document.iter("sector")]
    assert sectors == [("16061", "33.34"), ("21030", "33.33"), ("33210", "33.33")]
    assert broken_rules(document) == []
    assert codes_outside_the_codelists(document) == []
