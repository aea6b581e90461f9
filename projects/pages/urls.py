"""The site's pages (SPEC 7), mounted at the URL root by registry/urls.py.

Order matters: `import`, `export.csv` and `new` are not identifiers, so the data in and out
routes and the signed-in pages come before the public record pages. The pages of my
organization (members, API keys, sister cities) are the accounts app's, mounted at
`/organization/` by registry/urls.py.
"""

from django.urls import path

from projects.pages import (
    converters,  # noqa: F401  (registers `record_type` and `ident`)
    data_io,
    documents,
    lookup,
    open_data,
    public,
    records,
)

RECORD = "<record_type:record_type>/<ident:identifier>"

urlpatterns = [
    # Open data for machines (issue 20): the DCAT-AP catalogue, the sitemap, the dumps.
    path("catalog.ttl", open_data.catalog_ttl, name="catalog-ttl"),
    path("catalog.jsonld", open_data.catalog_jsonld, name="catalog-jsonld"),
    path("sitemap.xml", open_data.sitemap, name="sitemap"),
    path("data/<str:name>", open_data.data_file, name="data-file"),
    path("", public.home, name="home"),
    # Imports and exports of the record lists.
    path("projects/export.iati.xml", data_io.export_iati, name="projects-export-iati"),
    path(
        "<record_type:record_type>/export.<str:export_format>",
        data_io.export,
        name="records-export",
    ),
    path("<record_type:record_type>/import/", data_io.import_page, name="records-import"),
    path(
        "<record_type:record_type>/import/columns/",
        data_io.import_columns,
        name="records-import-columns",
    ),
    path(
        "<record_type:record_type>/import/confirm/",
        data_io.import_confirm,
        name="records-import-confirm",
    ),
    path(
        "<record_type:record_type>/import/template.<str:template_format>",
        data_io.import_template,
        name="records-import-template",
    ),
    # Signed-in pages (issue 8).
    path("dashboard/", records.dashboard_page, name="dashboard"),
    # One dashboard list, paged by a keyset cursor (issue 21).
    path("dashboard/<slug:list_name>/", records.dashboard_list_page, name="dashboard-list"),
    path("lookup/<str:kind>/", lookup.lookup, name="lookup"),
    path(
        "projects/new/", records.record_create, {"record_type": "projects"}, name="project-create"
    ),
    path("zones/new/", records.record_create, {"record_type": "zones"}, name="zone-create"),
    path(
        "contacts/new/", records.record_create, {"record_type": "contacts"}, name="contact-create"
    ),
    path(
        "projects/<ident:identifier>/edit/",
        records.record_edit,
        {"record_type": "projects"},
        name="project-edit",
    ),
    path(
        "zones/<ident:identifier>/edit/",
        records.record_edit,
        {"record_type": "zones"},
        name="zone-edit",
    ),
    path(
        "contacts/<ident:identifier>/edit/",
        records.record_edit,
        {"record_type": "contacts"},
        name="contact-edit",
    ),
    path(
        "projects/<ident:identifier>/participants/",
        records.participant_add,
        name="project-participant-add",
    ),
    path(
        "projects/<ident:identifier>/participants/<int:pk>/<str:answer>/",
        records.participation_answer,
        name="participation-answer",
    ),
    path(f"{RECORD}/actions/<str:action>/", records.record_action, name="record-action"),
    path(f"{RECORD}/decision/", records.record_decision, name="record-decision"),
    path(f"{RECORD}/revision/discard/", records.discard_revision, name="record-discard-revision"),
    path(f"{RECORD}/delete/", records.record_delete, name="record-delete"),
    path(f"{RECORD}/review/", records.record_review, name="record-review"),
    path(f"{RECORD}/history/", records.record_history, name="record-history"),
    # Documents as files (issue 18).
    path(f"{RECORD}/documents/", documents.document_add, name="record-documents"),
    path(f"{RECORD}/documents/<int:pk>/", documents.document_download, name="record-document"),
    path(
        f"{RECORD}/documents/<int:pk>/delete/",
        documents.document_delete,
        name="record-document-delete",
    ),
    # Public pages (issue 8): catalogues, detail pages, map, statistics, organizations.
    path("projects/", public.project_list, name="project-list"),
    path("projects/<ident:identifier>/", public.project_detail, name="project-detail"),
    path("zones/", public.zone_list, name="zone-list"),
    path("zones/<ident:identifier>/", public.zone_detail, name="zone-detail"),
    path("contacts/", public.contact_list, name="contact-list"),
    path("contacts/<ident:identifier>/", public.contact_detail, name="contact-detail"),
    path("map/", public.map_page, name="map"),
    path("stats/", public.stats, name="stats"),
    path("organizations/", public.organization_list, name="organization-list"),
    path("organizations/<slug:slug>/", public.organization_detail, name="organization-detail"),
]
