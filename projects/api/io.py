"""Data in and out over the API (SPEC 8): `POST {type}/import/`, `GET {type}/export.{format}`
and `GET projects/export.iati.xml`.

Thin faces: the import is `projects.io.importing.Importer` (which writes through the services),
the exports are `projects.io.exporting` and `projects.io.iati` over `registry.tenancy.visible`.
"""

from __future__ import annotations

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.base import caller_organization
from projects.io import exporting, iati
from projects.io import jobs as io_jobs
from projects.io.importing import Importer
from projects.io.readers import ImportRefused, max_import_bytes
from projects.io.uploads import UploadTooLarge, limit_upload
from projects.io.writers import MEDIA_TYPES, download_response
from projects.models import RECORD_MODELS_BY_TYPE
from registry.api.base import RegistryViewMixin, json_object
from registry.api.errors import PayloadTooLarge, error_body
from registry.api.jobs import accepted
from registry.api.renderers import RegistryJSONRenderer
from registry.tenancy import NotVisible

TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no", "")
IMPORT_CONTENT_TYPES = ", ".join(
    (MEDIA_TYPES["csv"].split(";")[0], MEDIA_TYPES["xlsx"], "application/json")
)
EXPORT_FORMATS = exporting.EXPORT_FORMATS


class LimitedMultiPartParser(MultiPartParser):
    """Multipart; an upload cut off at the size limit (projects.io.uploads) is a 413."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except UploadTooLarge as error:
            raise PayloadTooLarge(error.message) from None


class JSONErrorsMixin:
    """Errors are JSON whatever the Accept header says; the data itself is streamed."""

    renderer_classes = [RegistryJSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return (JSONRenderer(), "application/json")


class NamesNoRecord:
    """`{type}/import/` and `{type}/export-jobs/` sit where a record's URL would
    (`{type}/{identifier}/`): a GET, PATCH, PUT or DELETE there asks for a record that cannot
    exist (no identifier is one word, and `export-jobs` names no record), so it answers the item
    route's 404 rather than a 405 the item route never gives."""

    ITEM_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})

    def initial(self, request, *args, **kwargs):
        if request.method in self.ITEM_METHODS and not hasattr(self, request.method.lower()):
            raise NotVisible()
        super().initial(request, *args, **kwargs)


def _dry_run(request) -> bool:
    value = request.query_params.get("dry_run", "").strip().lower()
    if value not in TRUE + FALSE:
        raise ValidationError({"dry_run": ["Give dry_run=1 to validate only, or leave it out."]})
    return value in TRUE


class ImportView(NamesNoRecord, JSONErrorsMixin, RegistryViewMixin, APIView):
    """Import records from a CSV, XLSX or JSON file into the caller's organization."""

    parser_classes = [LimitedMultiPartParser]
    extra_query_params = frozenset({"dry_run", "organization"})

    def initial(self, request, *args, **kwargs):
        # Before authentication: its CSRF check may read the body, after which the upload
        # handlers can no longer change. A declared length over the limit is refused unread.
        try:
            limit_upload(request._request, max_import_bytes())
        except UploadTooLarge as error:
            raise PayloadTooLarge(error.message) from None
        super().initial(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("dry_run", bool, description="1: validate every row, import none"),
            OpenApiParameter("organization", str, description="session users: the organization"),
        ],
        request={
            "multipart/form-data": OpenApiRequest(
                {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                },
                encoding={"file": {"contentType": IMPORT_CONTENT_TYPES}},
            )
        },
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="the import report: a dry run, or no record created",
            ),
            201: OpenApiResponse(
                OpenApiTypes.OBJECT, description="the import report: records were created"
            ),
            202: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="a large file: the import runs as a job (Location: the job); the "
                "report becomes the job's result",
            ),
            415: OpenApiResponse(OpenApiTypes.OBJECT, description="not a CSV, XLSX or JSON file"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="row errors; nothing imported"),
        },
        description="Rows are validated like single records; all are imported or none. "
        "Files above IMPORT_JOB_THRESHOLD_BYTES are imported by a job: 202 Accepted with the "
        "job, followed at GET /api/v1/jobs/{id}/. See docs/import.md for the columns.",
    )
    def post(self, request, record_type):
        self.require_authenticated()
        model = RECORD_MODELS_BY_TYPE[record_type]
        dry_run = _dry_run(request)
        organization = caller_organization(request, self.actor)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(
                {"file": ["Send the file in a multipart/form-data field named 'file'."]}
            )
        if io_jobs.should_run_as_job(upload.size):
            job = io_jobs.start_import(
                self.actor, organization, record_type, upload, dry_run=dry_run
            )
            upload.close()
            return accepted(job)
        importer = Importer(
            self.actor, organization, model, upload, upload.name, upload.size, dry_run=dry_run
        )
        try:
            report = importer.run_to_end()
        except ImportRefused as refused:
            return Response(error_body(refused.message, refused.code), status=refused.status)
        finally:
            upload.close()
        if report.ok:
            created = not dry_run and report.created > 0
            return Response(report.as_dict(), status=201 if created else 200)
        return Response(
            error_body(report.summary, "invalid_import", report=report.as_dict()),
            status=status.HTTP_400_BAD_REQUEST,
        )


EXPORT_RESPONSES = {
    (200, "text/csv"): OpenApiTypes.STR,
    (200, MEDIA_TYPES["xlsx"]): OpenApiTypes.BINARY,
    (200, "application/json"): build_array_type(build_basic_type(OpenApiTypes.OBJECT)),
    (200, "application/geo+json"): {"$ref": "#/components/schemas/FeatureCollection"},
}
TOO_MANY_TO_STREAM = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="more rows than EXPORT_STREAM_MAX_ROWS: build the file with export-jobs",
)
EXPORT_DESCRIPTION = (
    "Takes the list's filters; the whole result set, streamed, in the format the path names "
    "(csv, xlsx, json, geojson; see docs/import.md for the columns)."
)


class ExportView(JSONErrorsMixin, RegistryViewMixin, APIView):
    """The whole filtered list (the list's own filters), streamed as CSV, XLSX, JSON or
    GeoJSON, holding only what the caller may see."""

    def known_query_params(self) -> set[str]:
        model = RECORD_MODELS_BY_TYPE[self.kwargs["record_type"]]
        return {"format", "lang", *exporting.FILTERSETS[model].base_filters}

    def get(self, request, record_type, export_format):
        model = RECORD_MODELS_BY_TYPE[record_type]
        try:
            exporting.check_format(model, export_format)
        except exporting.FormatNotOffered as error:
            return Response(error_body(error.message, "not_acceptable"), status=406)
        queryset = exporting.filtered(self.actor, model, request.query_params, request)
        lang = request.query_params.get("lang", "en")
        if lang not in exporting.GEOJSON_LANGUAGES:
            raise ValidationError({"lang": ["Give lang=en, zh or ru."]})
        too_large = exporting.too_many_to_stream(queryset)
        if too_large:
            body = error_body(
                too_large, "export_too_large", export_jobs=f"/api/v1/{record_type}/export-jobs/"
            )
            return Response(body, status=413)
        chunks = exporting.export_stream(self.actor, queryset, export_format, lang)
        filename = exporting.export_filename(model, export_format)
        return download_response(chunks, export_format, filename)


class ExportJobView(NamesNoRecord, RegistryViewMixin, APIView):
    """`POST {type}/export-jobs/?<the list's filters>` with `{"format": ...}`: an export of any
    size, built in the background; the job's result holds the download URL, size and SHA-256."""

    def known_query_params(self) -> set[str]:
        model = RECORD_MODELS_BY_TYPE[self.kwargs["record_type"]]
        return {*exporting.FILTERSETS[model].base_filters}

    def post(self, request, record_type):
        self.require_authenticated()
        model = RECORD_MODELS_BY_TYPE[record_type]
        body = json_object(request.data)
        export_format = body.get("format")
        if not isinstance(export_format, str):
            raise ValidationError({"format": [f"Give one of {', '.join(EXPORT_FORMATS)}."]})
        try:
            exporting.check_format(model, export_format)
        except exporting.FormatNotOffered as error:
            return Response(error_body(error.message, "not_acceptable"), status=406)
        exporting.filtered(self.actor, model, request.query_params, request)  # 400 when wrong
        job = io_jobs.start_export(self.actor, record_type, export_format, request.query_params)
        return accepted(job)


def export_view(record_type: str) -> type[ExportView]:
    """The export view of one record type, whose schema names the formats it offers."""
    model = RECORD_MODELS_BY_TYPE[record_type]
    offered = [
        name
        for name in exporting.EXPORT_FORMATS
        if name != "geojson" or model in exporting.GEOJSON_FEATURES
    ]

    @extend_schema(
        parameters=[
            OpenApiParameter("export_format", str, OpenApiParameter.PATH, enum=offered),
            OpenApiParameter(
                "lang",
                str,
                enum=list(exporting.GEOJSON_LANGUAGES),
                description="GeoJSON: the language of the flat `title` and `category_label`.",
            ),
        ],
        responses={
            **{
                key: value
                for key, value in EXPORT_RESPONSES.items()
                if key[1] != "application/geo+json" or "geojson" in offered
            },
            413: TOO_MANY_TO_STREAM,
        },
        description=EXPORT_DESCRIPTION,
    )
    def get(self, request, record_type, export_format):
        return ExportView.get(self, request, record_type, export_format)

    return type(f"{model.__name__}ExportView", (ExportView,), {"get": get})


def export_job_view(record_type: str) -> type[ExportJobView]:
    """The export-jobs view of one record type, whose schema names the formats it offers."""
    model = RECORD_MODELS_BY_TYPE[record_type]
    offered = [
        name for name in EXPORT_FORMATS if name != "geojson" or model in exporting.GEOJSON_FEATURES
    ]

    @extend_schema(
        request={
            "application/json": {
                "type": "object",
                "properties": {"format": {"type": "string", "enum": offered}},
                "required": ["format"],
                "additionalProperties": False,
            }
        },
        responses={
            202: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="the export job (Location: the job); when it has succeeded its "
                "result holds url, size and sha256",
            ),
        },
        description="Takes the list's filters as query parameters and the format in the body; "
        "builds the file in the background. Only the caller downloads it.",
    )
    def post(self, request, record_type):
        return ExportJobView.post(self, request, record_type)

    return type(f"{model.__name__}ExportJobView", (ExportJobView,), {"post": post})


class IatiExportView(JSONErrorsMixin, RegistryViewMixin, APIView):
    """Published projects as IATI 2.03 activity XML (with the project list's filters)."""

    def known_query_params(self) -> set[str]:
        return {"format", *exporting.FILTERSETS[iati.Project].base_filters}

    @extend_schema(
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="iati-activities, IATI Standard 2.03"
            ),
            413: TOO_MANY_TO_STREAM,
        },
        description="Published projects that the caller may see, as IATI activities.",
    )
    def get(self, request):
        queryset = exporting.filtered(self.actor, iati.Project, request.query_params, request)
        too_large = exporting.too_many_to_stream(queryset)
        if too_large:
            return Response(error_body(too_large, "export_too_large"), status=413)
        chunks = iati.stream_activities(self.actor, queryset)
        return download_response(chunks, "iati.xml", iati.filename())
