"""Every list costs the same number of queries for 5 rows as for 200 (no N+1).

`test_every_list_route_is_guarded` walks the API's routes: a new route that answers a list
fails until it is in LISTS (or declared not a list, with the reason).
"""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey, SisterCityLink
from projects.models import (
    AuditEntry,
    Contact,
    ContactProject,
    ContactZone,
    Participation,
    Project,
    ProjectRelation,
    ProjectZone,
    Revision,
    WebhookDelivery,
    WebhookSubscription,
    Zone,
)
from registry.models import system_access
from tests.factories import OrganizationFactory, UserFactory

PUBLISHED = {"workflow_state": "published", "published_at": timezone.now()}


class Rows:
    """Bulk builders: fast setup of many linked rows (the API under test only reads them)."""

    def __init__(self, org, other, user):
        self.org, self.other, self.user, self.made = org, other, user, 0

    def _next(self, prefix):
        self.made += 1
        return f"{self.org.identifier_prefix}-{prefix}{self.made:04d}"

    def zones(self, n):
        return Zone.objects.bulk_create(
            Zone(
                organization=self.org,
                identifier=self._next("Z"),
                name={"en": "Zone"},
                kind="other",
                countries=["KZ"],
                created_by=self.user,
                **PUBLISHED,
            )
            for _ in range(n)
        )

    def projects(self, n):
        zone = self.zones(1)[0]
        projects = Project.objects.bulk_create(
            Project(
                organization=self.org,
                identifier=self._next("P"),
                title={"en": "Train"},
                category="tourism_train",
                countries=["CN"],
                created_by=self.user,
                locations=[{"name": "Xi'an", "lat": 34.34, "lon": 108.94}],
                **PUBLISHED,
            )
            for _ in range(n)
        )
        ProjectZone.all_rows_for_internal_use.bulk_create(
            ProjectZone(organization=self.org, project=p, zone=zone) for p in projects
        )
        Participation.all_rows_for_internal_use.bulk_create(
            Participation(
                organization=self.org,
                project=p,
                participant=self.other,
                role="partner",
                requested_by=self.user,
            )
            for p in projects
        )
        ProjectRelation.all_rows_for_internal_use.bulk_create(
            ProjectRelation(organization=self.org, project=p, related=projects[0], kind="child")
            for p in projects[1:]
        )
        content_type = ContentType.objects.get_for_model(Project)
        Revision.all_rows_for_internal_use.bulk_create(
            Revision(
                organization=self.org,
                content_type=content_type,
                object_id=p.pk,
                number=1,
                content={"title": {"en": "New"}},
                base_version=1,
                created_by=self.user,
            )
            for p in projects
        )
        return projects

    def contacts(self, n):
        zone, project = self.zones(1)[0], self.projects(1)[0]
        contacts = Contact.objects.bulk_create(
            Contact(
                organization=self.org,
                identifier=self._next("C"),
                name={"en": "Hotline"},
                kind="tourist_hotline",
                countries=["KZ"],
                created_by=self.user,
                **PUBLISHED,
            )
            for _ in range(n)
        )
        ContactZone.all_rows_for_internal_use.bulk_create(
            ContactZone(organization=self.org, contact=c, zone=zone) for c in contacts
        )
        ContactProject.all_rows_for_internal_use.bulk_create(
            ContactProject(organization=self.org, contact=c, project=project) for c in contacts
        )
        return contacts

    def participants(self, n, project=None):
        project = project or self.projects(1)[0]
        Participation.all_rows_for_internal_use.bulk_create(
            Participation(
                organization=self.org,
                project=project,
                participant=OrganizationFactory(),
                role="partner",
                requested_by=self.user,
            )
            for _ in range(n)
        )
        return project

    def zone_events(self, n, record=None):
        return self.events(n, record or self.zones(1)[0])

    def contact_events(self, n, record=None):
        return self.events(n, record or self.contacts(1)[0])

    def events(self, n, record=None):
        record = record or self.projects(1)[0]
        AuditEntry.all_rows_for_internal_use.bulk_create(
            AuditEntry(
                organization=self.org,
                content_type=ContentType.objects.get_for_model(type(record)),
                object_id=record.pk,
                identifier=record.identifier,
                action="approve",
                actor=self.user,
                from_state="submitted",
                to_state="published",
                version=1,
            )
            for _ in range(n)
        )
        return record

    def organizations(self, n):
        for _ in range(n):
            OrganizationFactory()

    def links(self, n):
        for _ in range(n):
            SisterCityLink.all_rows_for_internal_use.create(
                organization=self.org,
                partner=OrganizationFactory(),
                status="active",
                proposed_by=self.user,
            )

    def keys(self, n):
        ApiKey.all_rows_for_internal_use.bulk_create(
            ApiKey(
                organization=self.org,
                user=self.user,
                name="k",
                prefix=f"p{i:07d}{self.made}",
                key_hash="x",
                scopes=["read"],
            )
            for i in range(n)
        )
        self.made += 1

    def webhooks(self, n):
        WebhookSubscription.objects.unscoped("test setup").bulk_create(
            WebhookSubscription(
                organization=self.org,
                created_by=self.user,
                url=f"https://partner.example/hook/{self.made}/{i}",
                events=["published"],
                record_types=["projects"],
                secret="s",
            )
            for i in range(n)
        )
        self.made += 1

    def deliveries(self, n, subscription=None):
        if subscription is None:
            self.webhooks(1)
            subscription = WebhookSubscription.objects.unscoped("test setup").latest("pk")
            subscription.identifier = subscription.pk  # the deliveries' URL names it by pk
        WebhookDelivery.objects.unscoped("test setup").bulk_create(
            WebhookDelivery(
                organization=self.org,
                subscription=subscription,
                event_id=uuid.uuid4(),
                event="published",
                record_type="projects",
                identifier=f"CN-XIAN-P{i:04d}",
                payload={},
            )
            for i in range(n)
        )
        return subscription

    def submitted(self, n):
        Project.objects.bulk_create(
            Project(
                organization=self.org,
                identifier=self._next("S"),
                title={"en": "Queue"},
                category="other",
                countries=["CN"],
                created_by=self.user,
                workflow_state="submitted",
            )
            for _ in range(n)
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:  # exports read their rows as they stream
            b"".join(response.streaming_content)
    assert response.status_code == 200, response.content
    return len(captured)


# name -> (URL, the Rows builder; "{identifier}" is the record the builder returns first).
LISTS = {
    "projects": ("/api/v1/projects/?page_size=500", "projects"),
    "projects-csv": ("/api/v1/projects/?page_size=500&format=csv", "projects"),
    "projects-geojson": ("/api/v1/projects/?page_size=500&format=geojson", "projects"),
    "projects-by-update": ("/api/v1/projects/?page_size=500&ordering=-updated_at", "projects"),
    "zones": ("/api/v1/zones/?page_size=500", "zones"),
    "zones-geojson": ("/api/v1/zones/?page_size=500&format=geojson", "zones"),
    "contacts": ("/api/v1/contacts/?page_size=500", "contacts"),
    "organizations": ("/api/v1/organizations/?page_size=500", "organizations"),
    "sister-city-links": ("/api/v1/sister-city-links/?page_size=500", "links"),
    "api-keys": ("/api/v1/api-keys/?page_size=500", "keys"),
    "changes": ("/api/v1/changes/?page_size=500", "events"),
    "review-queue": ("/api/v1/review-queue/", "submitted"),
    "stats": ("/api/v1/stats/", "projects"),
    "projects-history": ("/api/v1/projects/{identifier}/history/?page_size=500", "events"),
    "zones-history": ("/api/v1/zones/{identifier}/history/?page_size=500", "zone_events"),
    "contacts-history": ("/api/v1/contacts/{identifier}/history/?page_size=500", "contact_events"),
    "participants": ("/api/v1/projects/{identifier}/participants/", "participants"),
    "projects-export": ("/api/v1/projects/export.csv", "projects"),
    "projects-export-json": ("/api/v1/projects/export.json", "projects"),
    "zones-export": ("/api/v1/zones/export.csv", "zones"),
    "contacts-export": ("/api/v1/contacts/export.xlsx", "contacts"),
    "projects-export-iati": ("/api/v1/projects/export.iati.xml", "projects"),
    "webhooks": ("/api/v1/webhooks/", "webhooks"),
    "webhook-deliveries": ("/api/v1/webhooks/{identifier}/deliveries/", "deliveries"),
}

# Each API route that answers a list (GET), and the LISTS cases that guard it.
LIST_ROUTES = {
    "api-projects-list": ("projects", "projects-csv", "projects-geojson", "projects-by-update"),
    "api-zones-list": ("zones", "zones-geojson"),
    "api-contacts-list": ("contacts",),
    "api-organizations-list": ("organizations",),
    "api-sister-city-links-list": ("sister-city-links",),
    "api-keys-list": ("api-keys",),
    "api-changes": ("changes",),
    "api-review-queue": ("review-queue",),
    "api-stats": ("stats",),
    "api-projects-history": ("projects-history",),
    "api-zones-history": ("zones-history",),
    "api-contacts-history": ("contacts-history",),
    "api-participants-list": ("participants",),
    "api-projects-export": ("projects-export", "projects-export-json"),
    "api-zones-export": ("zones-export",),
    "api-contacts-export": ("contacts-export",),
    "api-projects-export-iati": ("projects-export-iati",),
    "api-webhooks": ("webhooks",),
    "api-webhook-deliveries": ("webhook-deliveries",),
}
# GET routes that answer one thing, not rows, with the reason.
NOT_LISTS = {
    "api-root": "the front door: a fixed set of links",
    "api-schema": "the OpenAPI document",
    "api-docs": "the documentation page",
    "api-not-found": "a 404",
    "api-organizations-export-iati-org": "one organization's IATI organisation file",
    "api-job": "one job's state and result",
    "api-job-file": "one job's file, streamed from storage",
    "api-webhook": "one subscription",
}


def _api_get_routes():
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif route.startswith("api/") and pattern.name:
                yield pattern

    for pattern in walk(get_resolver().url_patterns):
        actions = getattr(pattern.callback, "actions", None)
        view_class = getattr(pattern.callback, "view_class", None)
        if actions is not None:
            answers_get = "get" in actions
        else:
            answers_get = view_class is None or hasattr(view_class, "get")
        if answers_get and not pattern.name.endswith("-detail"):  # one row: no list
            yield pattern.name


def test_every_list_route_is_guarded():
    unguarded = sorted(set(_api_get_routes()) - set(LIST_ROUTES) - set(NOT_LISTS))
    assert not unguarded, (
        f"list routes without a query-count case: {unguarded}; add them to LIST_ROUTES and LISTS"
    )
    assert {case for cases in LIST_ROUTES.values() for case in cases} == set(LISTS)


@pytest.mark.parametrize("name", LISTS)
def test_list_queries_do_not_grow_with_rows(name, session_client, org_a, org_b, reviewer):
    url, builder = LISTS[name]
    user = reviewer if name == "review-queue" else UserFactory()
    if name != "review-queue":
        from tests.factories import MembershipFactory

        MembershipFactory(organization=org_a, user=user, role="admin")
    client = session_client(user)
    with system_access("test setup: bulk rows"):
        rows = Rows(org_a, org_b, user)
        made = getattr(rows, builder)(5)
        record = made[0] if isinstance(made, list) else made
        if record is not None and "{identifier}" in url:
            url = url.format(identifier=record.identifier)
        client.get(url)  # warm caches (content types, sessions)
        few = queries(client, url)
        if "{identifier}" in LISTS[name][0]:
            getattr(rows, builder)(195, record)
        else:
            getattr(rows, builder)(195)
    many = queries(client, url)
    assert few == many, f"{name}: {few} queries for 5 rows, {many} for 200"


def test_history_queries_do_not_grow(session_client, org_a, org_b, editor_a):
    client = session_client(editor_a)
    with system_access("test setup: bulk rows"):
        rows = Rows(org_a, org_b, editor_a)
        record = rows.events(5)
        url = f"/api/v1/projects/{record.identifier}/history/?page_size=500"
        client.get(url)
        few = queries(client, url)
        rows.events(195, record)
    assert queries(client, url) == few


def test_not_modified_detail_skips_the_serialization_queries(
    session_client, org_a, org_b, editor_a
):
    client = session_client(editor_a)
    with system_access("test setup: bulk rows"):
        project = Rows(org_a, org_b, editor_a).projects(1)[0]
    url = f"/api/v1/projects/{project.identifier}/"
    first = client.get(url)
    with CaptureQueriesContext(connection) as full:
        client.get(url)
    with CaptureQueriesContext(connection) as conditional:
        response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    # The zones, relations and participants are never fetched for a 304.
    assert len(conditional) <= len(full) - 3
