"""/sitemap.xml (issue 20): the public pages, so that search engines and portals find every
published record and organization page (sitemaps.org protocol 0.9)."""

from __future__ import annotations

from itertools import islice

from django.conf import settings
from django.urls import reverse
from lxml import etree

from accounts.models import Organization
from projects.choices import PUBLIC_STATES
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor, visible

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000
LIST_PAGES = (
    "home",
    "project-list",
    "zone-list",
    "contact-list",
    "map",
    "stats",
    "organization-list",
)
DETAIL_PAGES = {Project: "project-detail", Zone: "zone-detail", Contact: "contact-detail"}


def public_pages():
    """(absolute URL, last modification or None) of every public page."""
    base = settings.SITE_URL.rstrip("/")
    for name in LIST_PAGES:
        yield base + reverse(name), None
    anyone = Actor.anonymous()
    for model, name in DETAIL_PAGES.items():
        records = visible(anyone, model).filter(workflow_state__in=PUBLIC_STATES)
        for identifier, changed in records.order_by("identifier").values_list(
            "identifier", "public_updated_at"
        ):
            yield base + reverse(name, args=[identifier]), changed
    organizations = visible(anyone, Organization).order_by("slug")
    for slug, changed in organizations.values_list("slug", "updated_at"):
        yield base + reverse("organization-detail", args=[slug]), changed


def sitemap_xml() -> bytes:
    """The sitemap of the first MAX_URLS public pages (the protocol's limit per file)."""
    root = etree.Element("urlset", nsmap={None: NAMESPACE})
    for location, changed in islice(public_pages(), MAX_URLS):
        url = etree.SubElement(root, "url")
        etree.SubElement(url, "loc").text = location
        if changed is not None:
            etree.SubElement(url, "lastmod").text = changed.date().isoformat()
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
