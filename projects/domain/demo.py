"""Demo records drawn from the real China-Central Asia tourism cooperation (REAL-WORLD.md).

`seed_records` creates projects, zones and contacts in every workflow state, one published
project with a pending revision, and participations both confirmed and unconfirmed. It drives
everything through the services and workflow actions, as the people of the demo organizations,
so the audit log, versions and revisions are real. Running it again skips what exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test.utils import override_settings

from projects.domain import demo_catalogue, participants, revisions, services, workflow
from projects.models import RECORD_MODELS, Contact, Project, Zone
from registry.errors import DomainError
from registry.models import system_access
from registry.tenancy import Actor

# The Khorgos International Border Cooperation Center straddles the CN-KZ border at about
# 44.21N 80.41E; GeoJSON puts longitude first.
KHORGOS_ZONE = {
    "type": "Polygon",
    "coordinates": [
        [
            [80.380, 44.190],
            [80.445, 44.188],
            [80.452, 44.222],
            [80.418, 44.236],
            [80.376, 44.226],
            [80.380, 44.190],
        ]
    ],
}
IRKESHTAM_AREA = {
    "type": "Polygon",
    "coordinates": [
        [[73.80, 39.60], [74.10, 39.60], [74.10, 39.80], [73.80, 39.80], [73.80, 39.60]]
    ],
}
ALMATY_REGION_AREA = {
    "type": "Polygon",
    "coordinates": [
        [[79.90, 43.90], [80.40, 43.90], [80.40, 44.30], [79.90, 44.30], [79.90, 43.90]]
    ],
}


@dataclass
class DemoRecord:
    model: type
    owner: str  # organization slug
    ref: str
    state: str  # the workflow state to reach
    data: dict
    comment: str = ""
    # A published record's pending revision: (changes, state of the revision).
    revision: tuple[dict, str] | None = None
    participants: list[tuple[str, str, bool | None]] = field(default_factory=list)
    # (slug, role, answer): True confirmed, False declined, None still unconfirmed


RECORDS = [
    DemoRecord(
        Zone,
        "urumqi",
        "KHORGOS",
        "published",
        {
            "name": {
                "en": "Khorgos cross-border tourism cooperation zone",
                "zh": "霍尔果斯跨境旅游合作区",
                "ru": "Трансграничная зона туристического сотрудничества Хоргос",
            },
            "description": {
                "en": "Around the China-Kazakhstan Horgos International Border Cooperation "
                "Center, where visitors cross without a visa for short stays."
            },
            "kind": "cross_border_tourism_zone",
            "countries": ["CN", "KZ"],
            "geometry": KHORGOS_ZONE,
            "border_crossings": ["Khorgos (Horgos)"],
            "governing_body": "Horgos International Border Cooperation Center administration",
            "policies": {
                "visa_facilitation": "Visa-free entry to the cooperation center for short stays.",
                "insurance": "Cross-border travel insurance sold at the entrance.",
            },
            "lifecycle_status": "operational",
            "tags": ["border", "khorgos"],
        },
    ),
    DemoRecord(
        Zone,
        "urumqi",
        "IRKESHTAM-PILOT",
        "submitted",
        {
            "name": {"en": "Irkeshtam border tourism pilot area", "zh": "伊尔克什坦边境旅游试验区"},
            "kind": "border_tourism_pilot_area",
            "countries": ["CN", "KG"],
            "geometry": IRKESHTAM_AREA,
            "border_crossings": ["Irkeshtam"],
            "lifecycle_status": "planned",
        },
    ),
    DemoRecord(
        Zone,
        "almaty",
        "Z-ZHARKENT",
        "draft",
        {
            "name": {"en": "Zharkent border tourism area (proposal)"},
            "kind": "border_tourism_pilot_area",
            "countries": ["KZ"],
            "geometry": ALMATY_REGION_AREA,
        },
    ),
    DemoRecord(
        Project,
        "xian",
        "TRAIN-XIAN-ALMATY",
        "published",
        {
            "title": {
                "en": "China-Central Asia cultural tourism train Xi'an-Almaty",
                "zh": "中国—中亚文旅专列（西安—阿拉木图）",
                "ru": "Культурно-туристический поезд Китай — Центральная Азия Сиань — Алматы",
            },
            "summary": {
                "en": "The first China-Central Asia cultural tourism train, on the outcome list "
                "of the 2023 Xi'an summit."
            },
            "category": "tourism_train",
            "lifecycle_status": "implementation",
            "countries": ["CN", "KZ"],
            "locations": [
                {"name": "Xi'an", "lat": 34.34, "lon": 108.94},
                {"name": "Urumqi", "lat": 43.83, "lon": 87.62},
                {"name": "Almaty", "lat": 43.24, "lon": 76.89},
            ],
            "zones": ["CN-URUMQI-KHORGOS"],
            "planned_start": "2025-05-01",
            "actual_start": "2025-06-10",
            "tags": ["rail", "summit-outcome"],
            "expected_outcomes": {
                "en": "A model for cultural tourism trains across all five Central Asian countries."
            },
        },
        revision=(
            {
                "summary": {
                    "en": "The first China-Central Asia cultural tourism train, on the outcome "
                    "list of the 2023 Xi'an summit; a second season runs in 2026.",
                    "zh": "首趟中国—中亚文旅专列，2026年开行第二季。",
                },
                "planned_end": "2026-10-31",
            },
            "submitted",
        ),
        participants=[
            ("xian", "lead", True),
            ("almaty", "partner", True),
            ("silk-road-rail", "operator", True),
            ("steppe-voyages", "partner", None),
            ("caravan-assurance", "insurer", None),
        ],
    ),
    DemoRecord(
        Project,
        "xian",
        "AIR-XIAN-TASHKENT",
        "pending_signoff",
        {
            "title": {"en": "Direct flights Xi'an-Tashkent", "zh": "西安—塔什干直航"},
            "summary": {"en": "Scheduled direct flights between Xi'an and Tashkent."},
            "category": "air_route",
            "lifecycle_status": "implementation",
            "planned_start": "2025-09-01",
            "countries": ["CN", "UZ"],
            "locations": [
                {"name": "Xi'an", "lat": 34.34, "lon": 108.94},
                {"name": "Tashkent", "lat": 41.30, "lon": 69.24},
            ],
        },
        participants=[("tashkent", "partner", None)],
    ),
    DemoRecord(
        Project,
        "xian",
        "VISA-SERVICE",
        "draft",
        {
            "title": {"en": "Visa facilitation desk for Central Asian visitors"},
            "category": "visa_facilitation",
            "countries": ["CN", "KZ", "UZ"],
        },
    ),
    DemoRecord(
        Project,
        "samarkand",
        "HERITAGE-ROUTE",
        "changes_requested",
        {
            "title": {
                "en": "Silk Road heritage route Samarkand-Bukhara",
                "uz": "Samarqand-Buxoro Ipak yo'li meros yo'nalishi",
            },
            "summary": {"en": "A co-developed route through the heritage cities of Uzbekistan."},
            "category": "tourism_route",
            "lifecycle_status": "pipeline",
            "planned_start": "2026-04-01",
            "countries": ["UZ", "CN"],
            "locations": [
                {"name": "Samarkand", "lat": 39.65, "lon": 66.96},
                {"name": "Bukhara", "lat": 39.77, "lon": 64.42},
            ],
        },
        comment="Please add the Chinese partner city and a planned start date.",
    ),
    DemoRecord(
        Project,
        "tashkent",
        "SILK-BRAND",
        "submitted",
        {
            "title": {"en": "Cultural Silk Road brand promotion in Tashkent"},
            "summary": {"en": "Promotion of the Cultural Silk Road brand to Chinese visitors."},
            "category": "brand_promotion",
            "lifecycle_status": "pipeline",
            "planned_start": "2026-03-01",
            "countries": ["UZ"],
            "locations": [{"name": "Tashkent", "lat": 41.30, "lon": 69.24}],
        },
    ),
    DemoRecord(
        Project,
        "steppe-voyages",
        "SELF-DRIVE",
        "rejected",
        {
            "title": {"en": "Self-drive tour Almaty-Khorgos-Urumqi"},
            "summary": {"en": "Cross-border driving holidays through Khorgos."},
            "category": "cross_border_driving",
            "lifecycle_status": "pipeline",
            "planned_start": "2026-06-01",
            "countries": ["KZ", "CN"],
            "locations": [{"name": "Khorgos", "lat": 44.21, "lon": 80.41}],
        },
        comment="Cross-border self-driving needs the permit scheme first; resubmit once agreed.",
    ),
    DemoRecord(
        Project,
        "almaty",
        "TOURISM-WEEK-2024",
        "archived",
        {
            "title": {"en": "China-Central Asia tourism week 2024 in Almaty"},
            "summary": {"en": "A week of events for Chinese tour operators in Almaty."},
            "category": "event_festival",
            "lifecycle_status": "closed",
            "planned_start": "2024-09-16",
            "countries": ["KZ"],
            "locations": [{"name": "Almaty", "lat": 43.24, "lon": 76.89}],
        },
        comment="The 2024 event is over.",
    ),
    DemoRecord(
        Contact,
        "caravan-assurance",
        "CLAIMS-HOTLINE",
        "published",
        {
            "kind": "insurance_claims",
            "name": {
                "en": "Travel insurance claims hotline",
                "ru": "Горячая линия по страховым случаям",
            },
            "provider": "Caravan Travel Assurance JSC",
            "phone": "+998712000000",
            "email": "claims@caravan-assurance.example",
            "languages": ["uz", "ru", "en", "zh"],
            "hours": "24/7",
            "countries": ["UZ"],
            "countries_covered": ["UZ", "KZ", "CN"],
        },
    ),
    DemoRecord(
        Contact,
        "urumqi",
        "DISPUTE-MEDIATION",
        "published",
        {
            "kind": "dispute_resolution",
            "name": {
                "en": "Cross-border tourism dispute mediation centre",
                "zh": "跨境旅游纠纷调解中心",
            },
            "provider": "Urumqi Culture and Tourism Bureau",
            "phone": "+869915551234",
            "email": "mediation@urumqi.example",
            "languages": ["zh", "ru", "kk"],
            "hours": "Mon-Fri 09:00-18:00",
            "countries_covered": ["CN", "KZ", "KG"],
            "zones": ["CN-URUMQI-KHORGOS"],
        },
    ),
    DemoRecord(
        Contact,
        "almaty",
        "C-SAFETY",
        "changes_requested",
        {
            "kind": "safety_assistance",
            "name": {"en": "Tourist safety assistance line, Almaty"},
            "phone": "+77272000000",
            "languages": ["kk", "ru"],
            "hours": "24/7",
            "countries_covered": ["KZ"],
        },
        comment="Please add Chinese-language service hours.",
    ),
    DemoRecord(
        Contact,
        "tashkent",
        "C-CONSULAR",
        "draft",
        {
            "kind": "consular",
            "name": {"en": "Consular help for Chinese visitors (draft)"},
            "countries_covered": ["UZ"],
        },
    ),
]

# What the reviewer or admin said when sending a generated record to the state it ends in.
STATE_COMMENTS = {
    "changes_requested": "Please add the languages the service answers in and its hours.",
    "rejected": "This duplicates a record of the partner city; add yourself as a participant.",
    "archived": "Replaced by another record.",
}


def _maker(model):
    def make(owner, ref, state, data, partners=()):
        return DemoRecord(
            model, owner, ref, state, data, STATE_COMMENTS.get(state, ""),
            participants=list(partners),
        )  # fmt: skip

    return make


# Zones first: the projects and contacts after them link to them.
RECORDS = [
    *RECORDS[:3],
    *demo_catalogue.zone_specs(_maker(Zone)),
    *RECORDS[3:],
    *demo_catalogue.project_specs(_maker(Project)),
    *demo_catalogue.contact_specs(_maker(Contact)),
]

REVIEWER = "reviewer"
# Demo usernames are "{prefix}-admin" / "{prefix}-editor"; the prefix is the slug unless named here.
USER_PREFIX = {"silk-road-rail": "rail", "steppe-voyages": "tours", "caravan-assurance": "insurer"}
# What a seeding step may refuse with; anything else is a bug and should surface.
REFUSALS = (ValidationError, DomainError)


def _user(users: dict, slug: str, role: str):
    """The demo user holding `role` in the organization; an admin stands in for an editor."""
    prefix = USER_PREFIX.get(slug, slug)
    found = users.get(f"{prefix}-{role}")
    if found is None and role == "editor":
        found = users.get(f"{prefix}-admin")
    return found


def _exists(identifier: str) -> bool:
    with system_access("demo seeding: skip records that exist"):
        return any(m.objects.filter(identifier=identifier).exists() for m in RECORD_MODELS)


def _act(user, record, action: str, comment: str = ""):
    return workflow.perform(
        Actor.for_user(user), type(record), record.identifier, action, comment=comment
    )


def _awaits_signoff(record) -> bool:
    revision = revisions.open_revision(record)
    state = revision.state if revision is not None else record.workflow_state
    return state == "pending_signoff"


def _submit_for_review(record, editor, admin):
    """Submit, and sign off when the organization asks for it: the record reaches 'submitted'."""
    record = _act(editor, record, "submit")
    if _awaits_signoff(record):
        record = _act(admin, record, "signoff")
    return record


def _reach(spec: DemoRecord, record, editor, admin, reviewer):
    state = spec.state
    if state == "draft":
        return record
    if state == "pending_signoff":
        return _act(editor, record, "submit")
    record = _submit_for_review(record, editor, admin)
    if state == "submitted":
        return record
    if state == "changes_requested":
        return _act(reviewer, record, "request_changes", spec.comment)
    if state == "rejected":
        return _act(reviewer, record, "reject", spec.comment)
    record = _act(reviewer, record, "approve", "Checked against the summit outcome list.")
    if state == "archived":
        record = _act(admin, record, "archive", spec.comment)
    return record


def _revise(spec: DemoRecord, record, editor, admin):
    changes, revision_state = spec.revision
    record = services.update_record(Actor.for_user(editor), record, changes)
    if revision_state == "submitted":
        record = _submit_for_review(record, editor, admin)
    return record


def _participate(spec: DemoRecord, record, orgs: dict, users: dict, editor) -> None:
    for slug, role, answer in spec.participants:
        organization = orgs.get(slug)
        if organization is None:
            continue
        participation = participants.add_participant(
            Actor.for_user(editor), record, organization, role
        )
        responder = _user(users, slug, "admin")
        if answer is not None and participation.status == "pending" and responder:
            participants.respond_participation(Actor.for_user(responder), participation, answer)


def _seed_one(spec: DemoRecord, orgs: dict, users: dict, stdout) -> str:
    organization = orgs.get(spec.owner)
    editor, admin = _user(users, spec.owner, "editor"), _user(users, spec.owner, "admin")
    reviewer = users.get(REVIEWER)
    if organization is None or editor is None or admin is None or reviewer is None:
        return "missing"
    identifier = f"{organization.identifier_prefix}-{spec.ref}"
    if _exists(identifier):
        return "exists"
    with transaction.atomic():
        record = services.create_record(
            Actor.for_user(editor), spec.model, organization, spec.data, ref=spec.ref
        )
        record = _reach(spec, record, editor, admin, reviewer)
        if spec.revision:
            record = _revise(spec, record, editor, admin)
        _participate(spec, record, orgs, users, editor)
    stdout.write(f"  {spec.model.__name__.lower()} {identifier}: {spec.state}\n")
    return "created"


def seed_records(orgs: dict, users: dict, stdout) -> dict[str, int]:
    """Create the demo records; skip those that exist or whose organization or people are missing.

    Notification mails go to an in-memory outbox while seeding, so the demo does not flood the
    console with them.
    """
    counts = {"created": 0, "exists": 0, "missing": 0}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for spec in RECORDS:
            try:
                outcome = _seed_one(spec, orgs, users, stdout)
            except REFUSALS as refusal:
                # For example a linked zone whose organization is missing from this demo.
                stdout.write(f"  skipped {spec.owner}/{spec.ref}: {refusal}\n")
                outcome = "missing"
            counts[outcome] += 1
    stdout.write(
        f"Records: {counts['created']} created, {counts['exists']} already there, "
        f"{counts['missing']} skipped.\n"
    )
    return counts
