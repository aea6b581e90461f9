"""Published projects as IATI activity XML, version 2.03 (SPEC 8), streamed.

One `iati-activity` per published project the caller may see, elements in the order of the
schema (`projects/io/iati-2.03/iati-activities-schema.xsd`, checked by the tests):
iati-identifier, reporting-org, title, description, participating-org, activity-status,
activity-date, contact-info, recipient-country, location, budget, document-link.

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

The schema needs at least one activity-date: a project without any date is left out, with an
XML comment saying so where it would have been. A budget needs a period: it is given when the
project has a start and an end date (planned, else actual).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from lxml import etree

from projects.choices import ParticipationStatus, WorkflowState
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
GENERAL, OBJECTIVES, OTHER = "1", "2", "4"
GENERAL_ENQUIRIES = "1"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"


def filename() -> str:
    return f"iati-activities-{timezone.localdate().isoformat()}.xml"


def published(actor: Actor, queryset: QuerySet) -> QuerySet:
    """Published projects of the (already scoped and filtered) queryset, with what an activity
    names prefetched, each link scoped to what the actor may see."""
    return (
        queryset.filter(workflow_state=WorkflowState.PUBLISHED)
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


def _organisation(parent, tag: str, organization, **attributes) -> None:
    element = etree.SubElement(
        parent,
        tag,
        ref=organization.identifier_prefix,
        type=ORGANISATION_TYPE.get(organization.kind, "90"),
        **attributes,
    )
    for language, text in sorted(organization.name.items(), key=lambda i: _language_order(i[0])):
        narrative = etree.SubElement(element, "narrative")
        narrative.set(XML_LANG, language)
        narrative.text = text


def _dates(project: Project) -> list[tuple[str, str]]:
    return [
        (code, getattr(project, name).isoformat())
        for name, code in ACTIVITY_DATE_TYPES
        if getattr(project, name) is not None
    ]


def _budget_period(project: Project):
    start = project.planned_start or project.actual_start
    end = project.planned_end or project.actual_end
    return (start, end) if start and end and start <= end else None


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
    for code, day in _dates(project):
        etree.SubElement(element, "activity-date", type=code, **{"iso-date": day})
    for contact in project.published_contacts:
        _contact_info(element, contact)
    for country in project.countries:
        etree.SubElement(element, "recipient-country", code=country)
    for location in project.locations:
        _location(element, location)
    _budget(element, project)
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


def _budget(parent, project: Project) -> None:
    period = _budget_period(project)
    if project.budget_amount is None or not project.budget_currency or period is None:
        return
    budget = etree.SubElement(parent, "budget", type="1", status="1")
    etree.SubElement(budget, "period-start", **{"iso-date": period[0].isoformat()})
    etree.SubElement(budget, "period-end", **{"iso-date": period[1].isoformat()})
    value = etree.SubElement(
        budget,
        "value",
        currency=project.budget_currency,
        **{"value-date": period[0].isoformat()},
    )
    value.text = format(project.budget_amount, "f")


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
                if _dates(project):
                    document.write(activity(project))
                else:
                    document.write(
                        etree.Comment(
                            f" {project.identifier} left out: IATI needs at least one "
                            "activity-date, and this project has none "
                        )
                    )
                if count % ACTIVITIES_PER_FLUSH == 0:
                    document.flush()
                    yield sink.drain()
    yield sink.drain()


def schema() -> etree.XMLSchema:
    """The IATI 2.03 activity schema kept in the repository (for the tests and checks)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))
