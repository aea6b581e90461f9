"""Open-data documents for machines (issue 20): the DCAT-AP catalogue, the sitemap, and the
published dumps under /data/. Public, the same for everybody."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_safe

from projects.io import dcat, dumps
from projects.io import sitemap as sitemap_io


@require_safe
def catalog_ttl(request):
    return HttpResponse(dcat.turtle(), content_type="text/turtle; charset=utf-8")


@require_safe
def catalog_jsonld(request):
    return HttpResponse(dcat.json_ld(), content_type="application/ld+json")


@require_safe
def sitemap(request):
    return HttpResponse(sitemap_io.sitemap_xml(), content_type="application/xml")


@require_safe
def data_file(request, name: str):
    """A file of the published dumps (manage.py build_dumps), by its listed name only."""
    path = dumps.published_file(settings.OPEN_DATA_DUMPS_DIR, name)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type=dumps.media_type(name))
