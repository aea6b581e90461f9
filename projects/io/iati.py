"""Published projects as IATI activity XML, version 2.03 (SPEC 8), streamed.

One `iati-activity` per published project the caller may see, elements in the order of the
schema (`projects/io/iati-2.03/iati-activities-schema.xsd`, checked by the tests):
iati-identifier, reporting-org, title, description, participating-org, activity-status,
activity-date, contact-info, recipient-country, location, sector, budget, document-link. Public
projects (published and archived) are exported; the tests run IATI's own ruleset evaluator
(standard_py.json) on the export and find nothing broken.

Mappings to IATI code lists (documented in docs/import.md):

* lifecycle_status -> ActivityStatus: pipeline 1, implementation 2, finalisation 3, closed 4,
  cancelled 5, suspended 6 (the same list; SPEC 4 took it from IATI);
* participant role -> OrganisationRole: funder 1 Funding, lead 2 Accountable, partner, operator
  and insurer 4 Implementing. Only confirmed participations are published; the owner, when it
  is not among them, is listed as Accountable;
* organization kind -> OrganisationType: local_government 11 Local Government, market_entity
  70 Private Sector, secretariat 40 Multilateral, partner 90 Other;
* dates -> activity-date types 1 planned start, 2 actual start, 3 planned end, 4 actual end;
* document category -> DocumentCategory: agreement A09 Memorandum of understanding, report A07
  Review of project performance and evaluation, brochure A02 Objectives / Purpose of activity,
  map A12 Activity web page, regulation A04 Conditions, other A12;
* description types: 1 General (the description, else the summary), 2 Objectives (the expected
  outcomes), 4 Other (the summary, when a description is there as well).

* category -> Sector (OECD DAC 5-digit, vocabulary 1): SECTORS below, percentages adding to 100;
  a record overrides it with tags `dac:NNNNN` (codes of the codelist, equal shares);
* countries -> recipient-country with equal percentages adding up to exactly 100;
* organisation refs: OrganisationRegistrationAgency prefix + registration id (organisation_ref).

Every activity has a start activity-date (see _dates). The record holds one total budget; IATI
wants periods of at most a year, so the budget is spread over the calendar years of the
project's period (planned, else actual) in proportion to their days (budget_years), each an
Original (1), Indicative (1) budget. docs/open-data.md says why.
"""

from __future__ import annotations

import datetime
import mimetypes
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from lxml import etree

from accounts.domain.registration import FORMATS
from projects.choices import PUBLIC_STATES, ParticipationStatus, WorkflowState
from projects.models import Contact, Participation, Project
from registry.tenancy import Actor, visible

SCHEMA_DIR = Path(__file__).resolve().parent / "iati-2.03"
SCHEMA_FILE = SCHEMA_DIR / "iati-activities-schema.xsd"
IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK_SIZE = 500
ACTIVITIES_PER_FLUSH = 50

ACTIVITY_STATUS = {
    "pipeline": "1",
    "implementation": "2",
    "finalisation": "3",
    "closed": "4",
    "cancelled": "5",
    "suspended": "6",
}
ORGANISATION_ROLE = {
    "funder": "1",
    "lead": "2",
    "partner": "4",
    "operator": "4",
    "insurer": "4",
}
ACCOUNTABLE = "2"
ORGANISATION_TYPE = {
    "local_government": "11",
    "market_entity": "70",
    "secretariat": "40",
    "partner": "90",
}
ACTIVITY_DATE_TYPES = (
    ("planned_start", "1"),
    ("actual_start", "2"),
    ("planned_end", "3"),
    ("actual_end", "4"),
)
DOCUMENT_CATEGORY = {
    "agreement": "A09",
    "report": "A07",
    "brochure": "A02",
    "map": "A12",
    "regulation": "A04",
    "other": "A12",
}
# Project category -> OECD DAC 5-digit purpose codes (Sector.xml, vocabulary 1) with their
# percentages (adding up to 100). 33210 Tourism policy and administrative management is the
# default and every tourism project's main sector; a second code says what else it is about.
TOURISM = "33210"
DAC_VOCABULARY = "1"  # SectorVocabulary and RegionVocabulary 1: OECD DAC
ASIA_REGIONAL = "798"  # Region (OECD DAC): Asia, regional
SECTORS = {
    "tourism_train": ((TOURISM, 50), ("21030", 50)),  # Rail transport
    "tourism_route": ((TOURISM, 100),),
    "cross_border_driving": ((TOURISM, 50), ("21020", 50)),  # Road transport
    "heritage_site": ((TOURISM, 50), ("16061", 50)),  # Culture and recreation
    "event_festival": ((TOURISM, 50), ("16061", 50)),  # Culture and recreation
    "visa_facilitation": ((TOURISM, 50), ("15190", 50)),  # Migration and mobility
    "air_route": ((TOURISM, 50), ("21050", 50)),  # Air transport
    "infrastructure": ((TOURISM, 50), ("21010", 50)),  # Transport policy and administration
    "insurance_product": ((TOURISM, 50), ("24030", 50)),  # Formal financial intermediaries
    "brand_promotion": ((TOURISM, 100),),
    "other": ((TOURISM, 100),),
}
# Country of the organization -> OrganisationRegistrationAgency code of its registration id
# (the formats accounts.domain.registration checks): `CN-USCI-{18 characters}`, `KZ-BIN-{12}`.
REGISTRATION_AGENCIES = {"CN": "CN-USCI", "KZ": "KZ-BIN"}
ORIGINAL, INDICATIVE = "1", "1"  # BudgetType 1 Original, BudgetStatus 1 Indicative
GENERAL, OBJECTIVES, OTHER = "1", "2", "4"
GENERAL_ENQUIRIES = "1"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"


def filename() -> str:
    return f"iati-activities-{timezone.localdate().isoformat()}.xml"


def published(actor: Actor, queryset: QuerySet) -> QuerySet:
    """Published projects of the (already scoped and filtered) queryset, with what an activity
    names prefetched, each link scoped to what the actor may see."""
    return (
        queryset.filter(workflow_state__in=PUBLIC_STATES)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=visible(actor, Participation)
                .filter(status=ParticipationStatus.CONFIRMED)
                .select_related("participant"),
                to_attr="confirmed_participations",
            ),
            Prefetch(
                "contacts",
                queryset=visible(actor, Contact).filter(workflow_state=WorkflowState.PUBLISHED),
                to_attr="published_contacts",
            ),
        )
    )


def _narratives(parent, tag: str, texts: dict, **attributes) -> None:
    element = etree.SubElement(parent, tag, **attributes)
    for language, text in sorted(texts.items(), key=lambda item: _language_order(item[0])):
        narrative = etree.SubElement(element, "narrative")
        narrative.set(XML_LANG, language)
        narrative.text = text


def _language_order(code: str) -> tuple:
    order = ("en", "zh", "ru", "kk", "uz", "ky", "tg", "tk")
    return (order.index(code) if code in order else len(order), code)


def organisation_ref(organization) -> str | None:
    """The organisation identifier IATI knows it by: `{agency}-{registration id}` where the
    country's registration agency is in OrganisationRegistrationAgency.xml and the registration
    id has the format accounts.domain.registration checks (CN-USCI-..., KZ-BIN-...); else None."""
    agency = REGISTRATION_AGENCIES.get(str(organization.country))
    number = organization.registration_id
    if not agency or not number:
        return None
    try:
        FORMATS[str(organization.country)](number)
    except ValidationError:
        return None
    return f"{agency}-{number}"


def _organisation(parent, tag: str, organization, **attributes) -> None:
    """A reporting-org needs a ref: without a registered identifier it is the registry's
    identifier prefix (the one every iati-identifier starts with). A participating-org without
    one is named by its narratives only, as IATI asks when no identifier exists."""
    ref = organisation_ref(organization)
    if ref is None and tag == "reporting-org":
        ref = organization.identifier_prefix
    if ref is not None:
        attributes["ref"] = ref
    element = etree.SubElement(
        parent, tag, type=ORGANISATION_TYPE.get(organization.kind, "90"), **attributes
    )
    names = organization.name or {"en": organization.slug}
    for language, text in sorted(names.items(), key=lambda i: _language_order(i[0])):
        narrative = etree.SubElement(element, "narrative")
        narrative.set(XML_LANG, language)
        narrative.text = text


def _dates(project: Project) -> list[tuple[str, str, str]]:
    """(type, day, note) of the activity-dates. Actual dates after today are left out (IATI:
    an actual date is never in the future). Without a start date at all, the day the project
    was first published stands as its planned start, with a narrative saying so, because IATI
    needs a start (rule 6.11.1); publishing now requires a planned start, so only projects
    published before that rule have none."""
    today = timezone.localdate()
    dates = [
        (code, getattr(project, name).isoformat(), "")
        for name, code in ACTIVITY_DATE_TYPES
        if getattr(project, name) is not None
        and not (name.startswith("actual") and getattr(project, name) > today)
    ]
    if not any(code in ("1", "2") for code, _day, _note in dates):
        first = timezone.localdate(project.published_at or project.created_at)
        note = "No start date given: the day the project was first published in the registry."
        dates.insert(0, ("1", first.isoformat(), note))
    return dates


def _budget_period(project: Project):
    start = project.planned_start or project.actual_start
    end = project.planned_end or project.actual_end
    return (start, end) if start and end and start <= end else None


def budget_years(project: Project) -> list[tuple[datetime.date, datetime.date, Decimal]]:
    """The project's budget spread over the calendar years of its period, in proportion to the
    days of each year it covers, as (start, end, amount); the amounts add up to the budget (the
    last takes the rounding). IATI needs budget periods of at most a year."""
    period = _budget_period(project)
    if project.budget_amount is None or not project.budget_currency or period is None:
        return []
    start, end = period
    slices = []
    while start <= end:
        last = min(end, datetime.date(start.year, 12, 31))
        slices.append((start, last))
        start = last + datetime.timedelta(days=1)
    days = (end - period[0]).days + 1
    total, cent = project.budget_amount, Decimal("0.01")
    amounts = [
        (total * ((b - a).days + 1) / days).quantize(cent, ROUND_HALF_UP) for a, b in slices[:-1]
    ]
    amounts.append(total - sum(amounts, Decimal(0)))
    return [(a, b, amount) for (a, b), amount in zip(slices, amounts, strict=True)]


SECTOR_TAG = re.compile(r"^dac:(\d{5})$", re.IGNORECASE)


@cache
def sector_codes() -> frozenset[str]:
    """The active OECD DAC 5-digit codes of IATI's Sector codelist (kept in the repository)."""
    lines = (SCHEMA_DIR / "sector-codes.txt").read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def sectors(project: Project) -> list[tuple[str, Decimal]]:
    """(code, percentage) of the activity's sectors: the record's own when it has tags
    `dac:NNNNN` naming codes of the codelist (equal shares), else its category's (SECTORS)."""
    own = sorted(
        {match[1] for tag in project.tags or [] if (match := SECTOR_TAG.match(str(tag)))}
        & sector_codes()
    )
    if own:
        return list(zip(own, shares(len(own)), strict=True))
    return [
        (code, Decimal(share)) for code, share in SECTORS.get(project.category, SECTORS["other"])
    ]


def shares(count: int) -> list[Decimal]:
    """`count` equal percentages with two decimals adding up to exactly 100 (the first takes
    the rounding): IATI's rule sums them as decimals."""
    if count == 0:
        return []
    share = (Decimal(100) / count).quantize(Decimal("0.01"), ROUND_DOWN)
    return [Decimal(100) - share * (count - 1)] + [share] * (count - 1)


def _percentage(value: Decimal) -> str:
    return format(value.normalize(), "f")


def activity(project: Project) -> etree._Element:
    """One project as an iati-activity element."""
    owner = project.organization
    attributes = {"last-updated-datetime": project.updated_at.isoformat(timespec="seconds")}
    if project.budget_currency:
        attributes["default-currency"] = project.budget_currency
    element = etree.Element("iati-activity", **attributes)
    element.set(XML_LANG, "en")
    etree.SubElement(element, "iati-identifier").text = project.identifier
    _organisation(element, "reporting-org", owner)
    _narratives(element, "title", project.title)
    if project.description:
        _narratives(element, "description", project.description, type=GENERAL)
        if project.summary:
            _narratives(element, "description", project.summary, type=OTHER)
    else:
        _narratives(element, "description", project.summary or project.title, type=GENERAL)
    if project.expected_outcomes:
        _narratives(element, "description", project.expected_outcomes, type=OBJECTIVES)
    participations = project.confirmed_participations
    if not any(p.participant_id == owner.pk for p in participations):
        _organisation(element, "participating-org", owner, role=ACCOUNTABLE)
    for participation in participations:
        _organisation(
            element,
            "participating-org",
            participation.participant,
            role=ORGANISATION_ROLE[participation.role],
        )
    etree.SubElement(element, "activity-status", code=ACTIVITY_STATUS[project.lifecycle_status])
    for code, day, note in _dates(project):
        date = etree.SubElement(element, "activity-date", type=code, **{"iso-date": day})
        if note:
            etree.SubElement(date, "narrative").text = note
    for contact in project.published_contacts:
        _contact_info(element, contact)
    for country, share in zip(project.countries, shares(len(project.countries)), strict=True):
        etree.SubElement(element, "recipient-country", code=country, percentage=_percentage(share))
    # Asia, regional (DAC 798) at 0 %: the countries get the whole activity. IATI's evaluator
    # (only_one_of on recipient-region, standard_py.json) breaks every activity that names no
    # recipient-region and has no transactions; the region, sharing nothing, says no more.
    etree.SubElement(
        element, "recipient-region", code=ASIA_REGIONAL, vocabulary=DAC_VOCABULARY, percentage="0"
    )
    for location in project.locations:
        _location(element, location)
    for code, share in sectors(project):
        etree.SubElement(
            element, "sector", vocabulary=DAC_VOCABULARY, code=code, percentage=_percentage(share)
        )
    for start, end, amount in budget_years(project):
        _budget(element, project.budget_currency, start, end, amount)
    for document in project.documents:
        _document_link(element, document)
    return element


def _contact_info(parent, contact: Contact) -> None:
    info = etree.SubElement(parent, "contact-info", type=GENERAL_ENQUIRIES)
    organisation = etree.SubElement(info, "organisation")
    narrative = etree.SubElement(organisation, "narrative")
    narrative.text = contact.provider or contact.display_title
    if contact.phone:
        etree.SubElement(info, "telephone").text = contact.phone
    if contact.email:
        etree.SubElement(info, "email").text = contact.email
    if contact.website:
        etree.SubElement(info, "website").text = contact.website


def _location(parent, location: dict) -> None:
    element = etree.SubElement(parent, "location")
    name = etree.SubElement(element, "name")
    etree.SubElement(name, "narrative").text = location["name"]
    point = etree.SubElement(element, "point", srsName=WGS84)
    # IATI (GML) writes latitude first, unlike GeoJSON.
    etree.SubElement(point, "pos").text = f"{location['lat']} {location['lon']}"


def _budget(parent, currency: str, start, end, amount: Decimal) -> None:
    budget = etree.SubElement(parent, "budget", type=ORIGINAL, status=INDICATIVE)
    etree.SubElement(budget, "period-start", **{"iso-date": start.isoformat()})
    etree.SubElement(budget, "period-end", **{"iso-date": end.isoformat()})
    value = etree.SubElement(
        budget, "value", currency=currency, **{"value-date": start.isoformat()}
    )
    value.text = format(amount, "f")


def _document_link(parent, document: dict) -> None:
    media_type = mimetypes.guess_type(document["url"].split("?")[0])[0] or "text/html"
    link = etree.SubElement(parent, "document-link", format=media_type, url=document["url"])
    title = etree.SubElement(link, "title")
    etree.SubElement(title, "narrative").text = document["title"]
    etree.SubElement(
        link, "category", code=DOCUMENT_CATEGORY.get(document.get("category") or "other", "A12")
    )
    if document.get("language"):
        etree.SubElement(link, "language", code=document["language"])


class _Sink:
    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def drain(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def stream_activities(actor: Actor, queryset: QuerySet) -> Iterator[bytes]:
    """The iati-activities document of the published projects in `queryset`, in chunks."""
    # In a transaction, so that the server-side cursor streams (see projects.io.exporting).
    with transaction.atomic():
        yield from _stream(published(actor, queryset).iterator(chunk_size=CHUNK_SIZE))


def _stream(projects) -> Iterator[bytes]:
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as document:
        document.write_declaration()
        generated = timezone.now().isoformat(timespec="seconds")
        with document.element(
            "iati-activities", version=IATI_VERSION, **{"generated-datetime": generated}
        ):
            for count, project in enumerate(projects, start=1):
                document.write(activity(project))
                if count % ACTIVITIES_PER_FLUSH == 0:
                    document.flush()
                    yield sink.drain()
    yield sink.drain()


def schema() -> etree.XMLSchema:
    """The IATI 2.03 activity schema kept in the repository (for the tests and checks)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


ORGANISATION_SCHEMA_FILE = SCHEMA_DIR / "iati-organisations-schema.xsd"


def organisation_filename(organization) -> str:
    return f"iati-organisation-{organization.slug}.xml"


def organisation_document(organization) -> bytes:
    """The IATI organisation file (iati-organisations, 2.03) of one organization: its
    identifier (organisation_ref, else the registry prefix as in reporting-org), its names,
    and itself as the reporting organisation."""
    generated = timezone.now().isoformat(timespec="seconds")
    root = etree.Element("iati-organisations", version=IATI_VERSION)
    root.set("generated-datetime", generated)
    updated = organization.updated_at.isoformat(timespec="seconds")
    element = etree.SubElement(root, "iati-organisation", **{"last-updated-datetime": updated})
    element.set(XML_LANG, "en")
    identifier = organisation_ref(organization) or organization.identifier_prefix
    etree.SubElement(element, "organisation-identifier").text = identifier
    names = organization.name or {"en": organization.slug}
    _narratives(element, "name", names)
    _organisation(element, "reporting-org", organization)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def organisation_schema() -> etree.XMLSchema:
    """The IATI 2.03 organisation schema kept in the repository."""
    return etree.XMLSchema(etree.parse(str(ORGANISATION_SCHEMA_FILE)))
