"""The public pages (SPEC 7, issue 8): home, catalogues, detail pages, map, statistics and the
organization directory.

Every page reads through the boundary: rows from `registry.tenancy.visible(actor, Model)`, one
record from `projects.domain.boundary.access_record` (not visible: the 404 page, never a 403), one
organization from `accounts.domain.boundary.access_organization`. So a visitor sees published and
archived records only, a member also their own organization's, on the page exactly as in the API.
The views gather; the templates under projects/templates/projects/pages/ show.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from accounts.domain.boundary import access_organization, my_organizations
from accounts.models import Organization, SisterCityLink
from accounts.pages.shared import active_organization
from projects.choices import WorkflowState
from projects.domain.boundary import access_record
from projects.domain.content import completeness, content_of
from projects.domain.content_checks import publish_checklist
from projects.domain.freshness import freshness
from projects.io import jobs, schema_org
from projects.models import (
    RECORD_MODELS,
    Contact,
    ContactProject,
    ContactZone,
    Participation,
    Project,
    ProjectRelation,
    ProjectZone,
    Record,
    Zone,
)
from projects.pages import charts
from projects.pages.documents import documents_context
from projects.reads import catalogue, places
from registry.multilingual import pick
from registry.tenancy import NotVisible, actor_for_request, allowed, visible

NEWEST_ON_HOME = 6
# Records listed on an organization's page per type; the rest are one link away (the catalogue
# filtered by the organization).
RECORDS_ON_ORGANIZATION_PAGE = 10
# The map embeds its features in the page; beyond this many per type it asks for a filter.
MAP_LIMIT = 500


# --- Home -------------------------------------------------------------------------------------


@require_GET
def home(request):
    actor = actor_for_request(request)
    organizations = my_organizations(actor)
    newest = (
        visible(actor, Project)
        .filter(workflow_state=WorkflowState.PUBLISHED)
        .select_related("organization")
        .order_by("-published_at", "-pk")[:NEWEST_ON_HOME]
    )
    return render(
        request,
        "home.html",
        {
            "my_organizations": organizations,
            "active_organization": active_organization(request, organizations),
            "figures": charts.key_figures(actor),
            "newest_projects": newest,
        },
    )


# --- Catalogues -------------------------------------------------------------------------------


def _catalogue(request, model: type[Record]):
    actor = actor_for_request(request)
    page = catalogue.build(actor, model, request, recount_later=jobs.recount_catalogue_later)
    return render(
        request,
        "projects/pages/catalogue.html",
        {
            "page": page,
            "record_type": model.record_type,
            "row_template": f"projects/pages/_{model.record_type}_row.html",
            "sorts": catalogue.SORTS.items(),
            "query": request.GET.get("q", ""),
        },
        status=400 if page.errors else 200,
    )


@require_GET
def project_list(request):
    return _catalogue(request, Project)


@require_GET
def zone_list(request):
    return _catalogue(request, Zone)


@require_GET
def contact_list(request):
    return _catalogue(request, Contact)


# --- Detail pages -----------------------------------------------------------------------------


def _record_or_404(actor, model: type[Record], identifier: str) -> Record:
    try:
        return access_record(actor, model, identifier)
    except NotVisible:
        raise Http404 from None


def _record_context(actor, record: Record) -> dict:
    """What every detail page shows beside the record's own fields."""
    context = {
        "record": record,
        "record_type": record.record_type,
        "freshness": freshness(record),
        "missing_fields": None,
        "json_ld": schema_org.for_record(record),
        # Documents as files (issue 18): whoever sees the record sees them.
        **documents_context(actor, record),
    }
    # SPEC 5: the optional fields still empty are listed to the owner's members only.
    if allowed(actor, "view_missing_fields", record):
        content = content_of(record)
        context["missing_fields"] = completeness(record, content)[1]
        if record.workflow_state in (WorkflowState.DRAFT, WorkflowState.CHANGES_REQUESTED):
            # What submitting will ask, before the owner tries (SPEC 5 "complete enough").
            context["publish_checklist"] = publish_checklist(type(record), content)
    return context


@require_GET
def project_detail(request, identifier: str):
    actor = actor_for_request(request)
    project = _record_or_404(actor, Project, identifier)
    participations = (
        visible(actor, Participation)
        .filter(project=project)
        .exclude(status="declined")
        .select_related("participant")
        .order_by("role", "participant__slug")
    )
    links = {
        "zones": [
            link.zone
            for link in visible(actor, ProjectZone).filter(project=project).select_related("zone")
        ],
        "contacts": [
            link.contact
            for link in visible(actor, ContactProject)
            .filter(project=project)
            .select_related("contact")
        ],
        "relations": visible(actor, ProjectRelation)
        .filter(project=project)
        .select_related("related"),
        "participations": participations,
        "map_data": map_data(projects=[project]) if project.locations else None,
    }
    return render(
        request,
        "projects/pages/project_detail.html",
        {**_record_context(actor, project), **links},
    )


@require_GET
def zone_detail(request, identifier: str):
    actor = actor_for_request(request)
    zone = _record_or_404(actor, Zone, identifier)
    links = {
        "projects": [
            link.project
            for link in visible(actor, ProjectZone).filter(zone=zone).select_related("project")
        ],
        "contacts": [
            link.contact
            for link in visible(actor, ContactZone).filter(zone=zone).select_related("contact")
        ],
        "policies": sorted(zone.policies.items()) if isinstance(zone.policies, dict) else [],
        "map_data": map_data(zones=[zone]) if zone.geometry else None,
    }
    return render(
        request, "projects/pages/zone_detail.html", {**_record_context(actor, zone), **links}
    )


@require_GET
def contact_detail(request, identifier: str):
    actor = actor_for_request(request)
    contact = _record_or_404(actor, Contact, identifier)
    links = {
        "zones": [
            link.zone
            for link in visible(actor, ContactZone).filter(contact=contact).select_related("zone")
        ],
        "projects": [
            link.project
            for link in visible(actor, ContactProject)
            .filter(contact=contact)
            .select_related("project")
        ],
    }
    return render(
        request,
        "projects/pages/contact_detail.html",
        {**_record_context(actor, contact), **links},
    )


# --- Map --------------------------------------------------------------------------------------


def map_data(zones=(), projects=(), *, labels: bool = False) -> dict:
    """The features the map script draws (embedded with json_script: data, not code). With
    `labels`, the names of the countries and cities to write on the map (no tile server)."""
    named = {code for record in (*zones, *projects) for code in record.countries or []}
    return {
        "countries": places.country_labels(named) if labels else [],
        "cities": places.city_labels() if labels else [],
        "zones": [
            {
                "identifier": zone.identifier,
                "name": pick(zone.name) or zone.identifier,
                "kind": zone.get_kind_display(),
                "url": reverse("zone-detail", args=[zone.identifier]),
                "geometry": zone.geometry,
            }
            for zone in zones
            if zone.geometry
        ],
        "projects": [
            {
                "identifier": project.identifier,
                "title": pick(project.title) or project.identifier,
                "category": project.get_category_display(),
                "url": reverse("project-detail", args=[project.identifier]),
                "locations": project.locations,
            }
            for project in projects
            if project.locations
        ],
    }


@require_GET
def map_page(request):
    actor = actor_for_request(request)
    # The map takes the catalogues' country filter (the same filtersets, so the same check).
    params = QueryDict(mutable=True)
    if request.GET.get("country"):
        params["country"] = request.GET["country"]
    try:
        zones = catalogue.filtered(actor, Zone, params, request)
        projects = catalogue.filtered(actor, Project, params, request)
    except ValidationError:
        raise Http404 from None
    zones = list(
        zones.filter(geometry__isnull=False)
        .select_related("organization")
        .order_by("identifier")[: MAP_LIMIT + 1]
    )
    projects = list(
        projects.exclude(locations=[])
        .select_related("organization")
        .order_by("identifier")[: MAP_LIMIT + 1]
    )
    return render(
        request,
        "projects/pages/map.html",
        {
            "zones": zones[:MAP_LIMIT],
            "projects": projects[:MAP_LIMIT],
            "truncated": len(zones) > MAP_LIMIT or len(projects) > MAP_LIMIT,
            "limit": MAP_LIMIT,
            "map_data": map_data(zones[:MAP_LIMIT], projects[:MAP_LIMIT], labels=True),
            "country": params.get("country", ""),
            "countries": sorted(
                (
                    (code, catalogue.country_name(code))
                    for code in catalogue.json_list_counts(
                        visible(actor, Project).order_by(), ("countries",)
                    )
                ),
                key=lambda item: item[1],
            ),
        },
    )


# --- Statistics -------------------------------------------------------------------------------


@require_GET
def stats(request):
    actor = actor_for_request(request)
    return render(request, "projects/pages/stats.html", charts.statistics(actor))


# --- Organizations ----------------------------------------------------------------------------


def _record_counts(actor, field: str = "organization_id") -> dict:
    """{organization id: {record type: count}} of the records the actor sees."""
    counts: dict = {}
    for model in RECORD_MODELS:
        grouped = visible(actor, model).order_by().values(field).annotate(n=Count("pk"))
        for row in grouped:
            counts.setdefault(row[field], {})[model.record_type] = row["n"]
    return counts


@require_GET
def organization_list(request):
    actor = actor_for_request(request)
    organizations = list(visible(actor, Organization).filter(is_active=True).order_by("slug"))
    counts = _record_counts(actor)
    for organization in organizations:
        organization.record_counts = counts.get(organization.pk, {})
    organizations.sort(key=lambda item: (item.country.name, item.display_name))
    return render(
        request,
        "projects/pages/organization_list.html",
        {"organizations": organizations},
    )


@require_GET
def organization_detail(request, slug: str):
    actor = actor_for_request(request)
    try:
        organization = access_organization(actor, slug)
    except NotVisible:
        raise Http404 from None
    records = {
        model.record_type: list(
            visible(actor, model)
            .filter(organization=organization)
            .order_by("-updated_at", "-pk")[: RECORDS_ON_ORGANIZATION_PAGE + 1]
        )
        for model in RECORD_MODELS
    }
    links = (
        visible(actor, SisterCityLink)
        .filter(Q(organization=organization) | Q(partner=organization))
        .select_related("organization", "partner")
        .order_by("status", "-established_on", "pk")
    )
    # Others' projects it takes part in; a member of a participant also sees the participation
    # of a project still in draft (their inbox), which this public page does not show.
    participations = (
        visible(actor, Participation)
        .filter(participant=organization, status="confirmed")
        .filter(project__in=visible(actor, Project).values("pk"))
        .exclude(project__organization=organization)
        .select_related("project")
        .order_by("project__identifier")
    )
    return render(
        request,
        "projects/pages/organization_detail.html",
        {
            "organization": organization,
            "json_ld": schema_org.for_organization(organization),
            "records": records,
            "limit": RECORDS_ON_ORGANIZATION_PAGE,
            "sister_city_links": [(link, _other_side(link, organization)) for link in links],
            "participations": participations,
        },
    )


def _other_side(link: SisterCityLink, organization: Organization) -> Organization:
    return link.partner if link.organization_id == organization.pk else link.organization
