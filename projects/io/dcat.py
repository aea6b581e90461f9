"""The registry as a DCAT-AP 3.0.1 catalogue (issue 20): what open-data portals harvest.

One `dcat:Catalog` with a `dcat:Dataset` per record type (projects, zones, contacts) and one per
organization that has public records. Each dataset has its distributions (the API's exports,
the IATI file, the published dumps under /data/), publisher, licence (settings.OPEN_DATA_LICENSE),
`dct:modified` (the last public event of the changes feed, else the last publication), spatial
coverage (the countries, EU country authority), themes (EU data themes) and a contact point.
The tests check it against the DCAT-AP 3.0.1 SHACL shapes with pySHACL.

Only what anybody may see is described (the anonymous actor's view).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Max
from django.urls import reverse
from django_countries import countries as iso_countries
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD

from accounts.models import Organization
from projects.choices import PUBLIC_STATES
from projects.domain import change_counters
from projects.domain.audit import PUBLIC_EVENT_ACTIONS
from projects.domain.boundary import visible_record_events
from projects.models import RECORD_MODELS, ChangeCounter, Contact, Project, Record, Zone
from projects.reads.facet_counts import json_list_counts
from registry.multilingual import pick
from registry.tenancy import Actor, visible

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
EU_COUNTRY = Namespace(EU + "country/")
EU_THEME = Namespace(EU + "data-theme/")
EU_FILE_TYPE = Namespace(EU + "file-type/")
IANA = "https://www.iana.org/assignments/media-types/"

# format -> (EU file type, IANA media type)
FORMATS = {
    "csv": ("CSV", "text/csv"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("JSON", "application/json"),
    "geojson": ("GEOJSON", "application/geo+json"),
    "iati.xml": ("XML", "application/xml"),
}
# The EU data themes used, with their English labels (EU Publications Office vocabulary).
THEME_LABELS = {
    "ECON": "Economy and finance",
    "TRAN": "Transport",
    "EDUC": "Education, culture and sport",
    "REGI": "Regions and cities",
    "GOVE": "Government and public sector",
}
# record type -> (EU data themes, title, description)
DATASETS = {
    Project: (
        ("ECON", "TRAN", "EDUC"),
        "Cooperation projects",
        "Published China-Central Asia tourism cooperation projects: trains, routes, events, "
        "visa facilitation, air routes, infrastructure.",
    ),
    Zone: (
        ("REGI", "ECON"),
        "Cooperation zones",
        "Published cross-border tourism cooperation zones and areas, with their boundaries.",
    ),
    Contact: (
        ("ECON", "GOVE"),
        "Service contacts",
        "Published service contacts for travellers: hotlines, tourist information, insurers.",
    ),
}


@dataclass
class Distribution:
    key: str
    title: str
    format: str
    url: str


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _public(model: type[Record]):
    return visible(Actor.anonymous(), model).filter(workflow_state__in=PUBLIC_STATES)


def _countries(queryset) -> list[str]:
    """The countries the records name, by their JSON lists, on either database."""
    return sorted(code for code in json_list_counts(queryset.order_by(), ("countries",)) if code)


def _modified(model: type[Record], organization: Organization | None = None):
    """The time of the last public event (changes feed) about these records, else the last
    publication, else None."""
    events = visible_record_events(Actor.anonymous(), PUBLIC_EVENT_ACTIONS).filter(
        content_type=ContentType.objects.get_for_model(model)
    )
    if organization is not None:
        events = events.filter(
            object_id__in=_public(model).filter(organization=organization).values("pk")
        )
    last = events.aggregate(last=Max("created_at"))["last"]
    if last is None:
        records = _public(model)
        if organization is not None:
            records = records.filter(organization=organization)
        last = records.aggregate(last=Max("published_at"))["last"]
    return last


def distributions(model: type[Record], organization: Organization | None = None) -> list:
    """The API exports of a type (narrowed to the organization) and, for the whole set, the
    published dumps."""
    kind = model.record_type
    formats = ["csv", "xlsx", "json"] + (["geojson"] if model is not Contact else [])
    query = f"?organization={organization.slug}" if organization is not None else ""
    found = [
        Distribution(
            f"{kind}-{name}",
            f"{DATASETS[model][1]} ({name.upper()}, live export)",
            name,
            absolute(reverse(f"api-{kind}-export", args=[name]) + query),
        )
        for name in formats
    ]
    if model is Project:
        found.append(
            Distribution(
                f"{kind}-iati",
                "Cooperation projects (IATI 2.03 activities, live export)",
                "iati.xml",
                absolute(reverse("api-projects-export-iati") + query),
            )
        )
    if organization is None:
        dumps = [name for name in formats if name != "xlsx"] + (
            ["iati.xml"] if model is Project else []
        )
        found += [
            Distribution(
                f"{kind}-dump-{name}",
                f"{DATASETS[model][1]} ({name.upper()}, published dump)",
                name,
                absolute(f"/data/{kind}.{name}"),
            )
            for name in dumps
        ]
    return found


def _agent(graph: Graph, node: URIRef, name: str) -> URIRef:
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(name, lang="en")))
    return node


def _contact_point(graph: Graph) -> URIRef:
    node = URIRef(absolute("/catalog#contact"))
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, Literal("Silk Road Cooperation Registry", lang="en")))
    graph.add((node, VCARD.hasURL, URIRef(absolute("/"))))
    return node


def _theme(graph: Graph, code: str) -> URIRef:
    node, scheme = EU_THEME[code], URIRef(EU + "data-theme")
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.prefLabel, Literal(THEME_LABELS[code], lang="en")))
    graph.add((node, SKOS.inScheme, scheme))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
    return node


def _dataset(graph, catalog, node, model, title, description, publisher, contact, queryset, org):
    graph.add((catalog, DCAT.dataset, node))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.title, Literal(title, lang="en")))
    graph.add((node, DCTERMS.description, Literal(description, lang="en")))
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((node, DCTERMS.identifier, Literal(str(node))))
    modified = _modified(model, org)
    if modified is not None:
        graph.add((node, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for theme in DATASETS[model][0]:
        graph.add((node, DCAT.theme, _theme(graph, theme)))
    for code in _countries(queryset):
        alpha3 = iso_countries.alpha3(code)
        if alpha3:
            place = EU_COUNTRY[alpha3]
            graph.add((place, RDF.type, DCTERMS.Location))
            graph.add((node, DCTERMS.spatial, place))
    licence = URIRef(settings.OPEN_DATA_LICENSE)
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    for item in distributions(model, org):
        distribution = URIRef(f"{node}/distribution/{item.key}")
        file_type, media_type = FORMATS[item.format]
        graph.add((node, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(item.title, lang="en")))
        graph.add((distribution, DCAT.accessURL, URIRef(item.url)))
        graph.add((distribution, DCAT.downloadURL, URIRef(item.url)))
        graph.add((distribution, DCTERMS.license, licence))
        graph.add((distribution, DCTERMS.format, EU_FILE_TYPE[file_type]))
        graph.add((EU_FILE_TYPE[file_type], RDF.type, DCTERMS.MediaTypeOrExtent))
        media = URIRef(IANA + media_type)
        graph.add((distribution, DCAT.mediaType, media))
        graph.add((media, RDF.type, DCTERMS.MediaType))


def catalogue() -> Graph:
    """The whole catalogue as an RDF graph (serialize as Turtle or JSON-LD)."""
    graph = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("skos", SKOS),
        ("vcard", VCARD),
    ):
        graph.bind(prefix, namespace)
    catalog = URIRef(absolute("/catalog"))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("Silk Road Cooperation Registry", lang="en")))
    graph.add(
        (
            catalog,
            DCTERMS.description,
            Literal(
                "Open data of the China-Central Asia tourism cooperation registry: projects, "
                "zones and service contacts that their organizations published.",
                lang="en",
            ),
        )
    )
    graph.add((catalog, FOAF.homepage, URIRef(absolute("/"))))
    graph.add((URIRef(absolute("/")), RDF.type, FOAF.Document))
    graph.add((catalog, DCTERMS.license, URIRef(settings.OPEN_DATA_LICENSE)))
    publisher = _agent(graph, URIRef(absolute("/#publisher")), "Silk Road Cooperation Registry")
    graph.add((catalog, DCTERMS.publisher, publisher))
    contact = _contact_point(graph)
    modified = [m for m in (_modified(model) for model in RECORD_MODELS) if m is not None]
    if modified:
        graph.add((catalog, DCTERMS.modified, Literal(max(modified), datatype=XSD.dateTime)))
    for model, (_themes, title, description) in DATASETS.items():
        node = URIRef(absolute(f"/catalog/datasets/{model.record_type}"))
        _dataset(
            graph,
            catalog,
            node,
            model,
            title,
            description,
            publisher,
            contact,
            _public(model),
            None,
        )
    for organization in _publishing_organizations():
        name = pick(organization.name, "en") or organization.slug
        agent = _agent(graph, URIRef(absolute(f"/organizations/{organization.slug}/")), name)
        for model, (_themes, title, _description) in DATASETS.items():
            records = _public(model).filter(organization=organization)
            if not records.exists():
                continue
            node = URIRef(absolute(f"/catalog/datasets/{organization.slug}/{model.record_type}"))
            _dataset(
                graph,
                catalog,
                node,
                model,
                f"{title} of {name}",
                f"{DATASETS[model][2]} Published by {name}.",
                agent,
                contact,
                records,
                organization,
            )
    return graph


def _publishing_organizations():
    owners = set()
    for model in RECORD_MODELS:
        owners.update(
            _public(model).order_by().values_list("organization_id", flat=True).distinct()
        )
    return Organization.objects.filter(pk__in=owners).order_by("slug")


CACHE_SECONDS = 600


def _cached(format: str) -> bytes:
    """The serialized catalogue, cached until what the public sees changes (the public change
    counter, projects.domain.change_counters) or for CACHE_SECONDS (organization names)."""
    public = ChangeCounter.objects.filter(scope=change_counters.PUBLIC)
    counter = public.values_list("value", flat=True).first()
    key = f"dcat:{format}:{counter}:{settings.SITE_URL}:{settings.OPEN_DATA_LICENSE}"
    data = cache.get(key)
    if data is None:
        options = {"auto_compact": True} if format == "json-ld" else {}
        data = catalogue().serialize(format=format, **options).encode()
        cache.set(key, data, CACHE_SECONDS)
    return data


def turtle() -> bytes:
    return _cached("turtle")


def json_ld() -> bytes:
    return _cached("json-ld")
