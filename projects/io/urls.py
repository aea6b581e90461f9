"""Page routes of data in and out. Included in registry.urls before any record detail route:
`import` and `export.csv` are not identifiers."""

from django.urls import path, register_converter

from projects.io import views


class RecordTypeConverter:
    regex = "projects|zones|contacts"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(RecordTypeConverter, "record_type")

urlpatterns = [
    path("projects/export.iati.xml", views.export_iati, name="projects-export-iati"),
    path(
        "<record_type:record_type>/export.<str:export_format>",
        views.export,
        name="records-export",
    ),
    path("<record_type:record_type>/import/", views.import_page, name="records-import"),
    path(
        "<record_type:record_type>/import/confirm/",
        views.import_confirm,
        name="records-import-confirm",
    ),
    path(
        "<record_type:record_type>/import/template.<str:template_format>",
        views.import_template,
        name="records-import-template",
    ),
]
