"""Fill a PostgreSQL database with realistic published registry data, fast (COPY).

    .venv/bin/python -m bench.generate --size 100k            # database bench_100k, rebuilt
    .venv/bin/python -m bench.generate --projects 5000 --database bench_tiny

The database is dropped, created and migrated with `manage.py migrate`, then every table is
loaded with psycopg 3 `COPY ... FROM STDIN` in one transaction. Proportions, per N published
projects (see `Plan`): N/200 organizations (3 members each, plus a secretariat with a reviewer),
N/20 zones, N/10 contacts, N/50 more projects in draft or submitted (invisible to the public),
1 to 3 participations per project, zone / contact / relation links, and the audit entries of
each publication (one `approve` per published record and one per later approved revision), so
the `changes/` feed has its events.

Rows are valid for the application: identifiers are `{prefix}-{ref}` with organization prefixes
that never extend one another (all are COUNTRY-CITYn), multilingual text in en / zh / ru, ISO
country codes of the six countries, choices from projects/models.py, `completeness` computed with
the application's own definition (projects.domain.content), versions >= 1, publication and
confirmation
times spread over three years so every freshness occurs. tests/test_bench_generator.py checks
them with the models' own validation and through the API.

With `fast=True` (the command line) the secondary indexes are dropped during the load and
rebuilt after it from their own definitions, and foreign-key triggers are off for the session
(`session_replication_role = replica`): the generator makes consistent rows, and the test runs
the same code with every constraint checked immediately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SIZES = {"tiny": 50, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
GENERATOR_VERSION = 2
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parent.parent
# A fixed "now" would make freshness drift as time passes; the data is laid out around the
# moment it is generated instead, and the database comment records that moment.
SEED = 11


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind for N published projects."""

    projects: int

    @property
    def organizations(self) -> int:
        return max(12, self.projects // 200)

    @property
    def zones(self) -> int:
        return max(5, self.projects // 20)

    @property
    def contacts(self) -> int:
        return max(5, self.projects // 10)

    @property
    def drafts(self) -> int:
        return max(1, self.projects // 50)


def database_comment(projects: int) -> str:
    return f"silk-road-bench generator={GENERATOR_VERSION} projects={projects} seed={SEED}"


# --- Rows ---------------------------------------------------------------------------------


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Table:
    """COPY rows of one model, given as {attname: value}; unnamed columns take their default."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = ", ".join(f'"{field.column}"' for field in self.fields)

    def tuple(self, values: dict) -> tuple:
        row = []
        for field in self.fields:
            if field.attname in values:
                value = values[field.attname]
            elif field.attname.startswith("public_") and field.attname[7:] in values:
                # A record's public version / updated_at start as the real ones (issue 10).
                value = values[field.attname[7:]]
            elif field.has_default() or field.null or field.blank:
                value = field.get_default()
            else:
                raise KeyError(f"{self.table}.{field.attname} needs a value")
            if isinstance(value, dict | list):
                value = _json(value)
            row.append(value)
        return tuple(row)

    def load(self, cursor, rows) -> int:
        count = 0
        with cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(self.tuple(values))
                count += 1
        return count


def _ascii(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())


class Generator:
    def __init__(self, projects: int, *, seed: int = SEED, now: dt.datetime | None = None):
        from django.contrib.contenttypes.models import ContentType

        from accounts.models import Membership, Organization, User
        from projects.models import (
            AuditEntry,
            Contact,
            ContactProject,
            ContactZone,
            Participation,
            Project,
            ProjectRelation,
            ProjectZone,
            Zone,
        )

        self.M = {
            "org": Organization,
            "user": User,
            "membership": Membership,
            "zone": Zone,
            "project": Project,
            "contact": Contact,
            "project_zone": ProjectZone,
            "contact_zone": ContactZone,
            "contact_project": ContactProject,
            "participation": Participation,
            "relation": ProjectRelation,
            "audit": AuditEntry,
        }
        self.content_types = {
            name: ContentType.objects.get_for_model(self.M[name]).pk
            for name in ("project", "zone", "contact")
        }
        self.plan = Plan(projects)
        self.rng = random.Random(seed)
        self.now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        self.audit: list[tuple] = []  # (at, org, type, object id, identifier, version, revision)
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    # --- helpers

    def when(self, days_ago_max: float, days_ago_min: float = 0.0) -> dt.datetime:
        seconds = self.rng.uniform(days_ago_min * 86400, days_ago_max * 86400)
        return self.now - dt.timedelta(seconds=int(seconds))

    def load(self, cursor, name: str, rows) -> None:
        started = time.perf_counter()
        self.counts[name] = self.counts.get(name, 0) + Table(self.M[name]).load(cursor, rows)
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    # --- organizations and people

    def organizations(self):
        from bench.places import CITIES

        rng = self.rng
        self.orgs = []  # (id, prefix, slug, country, city index, kind)
        kinds = ["local_government"] * 4 + ["market_entity"] * 5 + ["partner"]
        sectors = ["rail", "airline", "tour_operator", "insurer", "hotel", "other"]
        secretariat = {
            "id": 1,
            "slug": "secretariat",
            "name": {"en": "Registry Secretariat", "zh": "登记处秘书处", "ru": "Секретариат"},
            "kind": "secretariat",
            "country": "CN",
            "city": "Xi'an",
            "identifier_prefix": "SRR",
            "created_at": self.now - dt.timedelta(days=1200),
            "updated_at": self.now - dt.timedelta(days=1200),
        }
        self.orgs.append((1, "SRR", "secretariat", "CN", 0, "secretariat"))
        rows = [secretariat]
        for index in range(1, self.plan.organizations):
            org_id = index + 1
            city = rng.randrange(len(CITIES))
            en, zh, ru, country, _, _ = CITIES[city]
            kind = kinds[index % len(kinds)]
            short = _ascii(en).upper()[:5]
            prefix = f"{country}-{short}{index}"
            slug = f"{_ascii(en).lower()}-{kind.split('_')[0]}-{index}"
            label = {
                "local_government": ("Municipal Government", "市政府", "Администрация города"),
                "market_entity": ("Travel Company", "旅游公司", "Туристическая компания"),
                "partner": ("Tourism Association", "旅游协会", "Ассоциация туризма"),
            }[kind]
            created = self.when(1150, 1000)
            rows.append(
                {
                    "id": org_id,
                    "slug": slug,
                    "name": {
                        "en": f"{en} {label[0]} {index}",
                        "zh": f"{zh}{label[1]}{index}",
                        "ru": f"{label[2]} {ru} {index}",
                    },
                    "kind": kind,
                    "country": country,
                    "city": en,
                    "identifier_prefix": prefix,
                    "registration_id": f"{country}{rng.randrange(10**9, 10**10)}",
                    "sector": rng.choice(sectors) if kind == "market_entity" else "",
                    "website": f"https://{slug}.example.org/",
                    "requires_signoff": kind == "local_government",
                    "created_at": created,
                    "updated_at": created,
                }
            )
            self.orgs.append((org_id, prefix, slug, country, city, kind))
        return rows

    def people(self):
        """Three members per organization (admin, editor, viewer) and a platform reviewer."""
        users, memberships = [], []
        self.editor_of, self.admin_of = {}, {}
        for org_id, _prefix, slug, *_ in self.orgs:
            for role in ("admin", "editor", "viewer"):
                user_id = len(users) + 1
                joined = self.now - dt.timedelta(days=1100)
                users.append(
                    {
                        "id": user_id,
                        "password": "!",  # unusable: generated people never sign in
                        "username": f"{slug}-{role}",
                        "email": f"{role}@{slug}.example.org",
                        "first_name": role.title(),
                        "last_name": slug,
                        "is_superuser": False,
                        "is_staff": False,
                        "is_active": True,
                        "date_joined": joined,
                        "platform_role": "reviewer" if org_id == 1 and role == "viewer" else "",
                    }
                )
                memberships.append(
                    {
                        "id": len(memberships) + 1,
                        "organization_id": org_id,
                        "user_id": user_id,
                        "role": role,
                        "created_at": joined,
                    }
                )
                if role == "editor":
                    self.editor_of[org_id] = user_id
                if role == "admin":
                    self.admin_of[org_id] = user_id
        self.reviewer = self.editor_of[1] + 1  # the secretariat's viewer, a platform reviewer
        return users, memberships

    # --- records

    def published_times(self, days_max: float = 1100):
        created = self.when(days_max, 40)
        published = created + dt.timedelta(days=self.rng.uniform(1, 30))
        # A third of the owners reconfirmed since; confirmed_at spreads over three years, so
        # current, stale and inactive records all occur.
        confirmed = published
        if self.rng.random() < 0.33:
            confirmed = published + (self.now - published) * self.rng.random()
        version = self.rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0]
        updated = max(confirmed, published)
        if version > 1:
            updated = published + (self.now - published) * self.rng.uniform(0.2, 1.0)
        return created, published, confirmed, updated, version

    def record_common(self, record_id, org, ref, created, published, confirmed, updated, version):
        org_id, prefix, *_ = org
        editor = self.editor_of[org_id]
        return {
            "id": record_id,
            "organization_id": org_id,
            "identifier": f"{prefix}-{ref}",
            "workflow_state": "published",
            "version": version,
            "created_at": created,
            "updated_at": updated,
            "published_at": published,
            "confirmed_at": confirmed,
            "created_by_id": editor,
            "submitted_by_id": editor,
            "signed_off_by_id": self.admin_of[org_id] if org[5] == "local_government" else None,
        }

    def remember_events(self, kind, row, published, updated, version):
        """The approve entries of a published record: its publication and each approved revision."""
        org_id, record_id, identifier = row["organization_id"], row["id"], row["identifier"]
        self.audit.append((published, org_id, kind, record_id, identifier, 1, None))
        for number in range(1, version):
            at = published + (updated - published) * (number / (version - 1))
            self.audit.append((at, org_id, kind, record_id, identifier, number + 1, number))

    def zones(self):
        from bench.places import BORDER_CROSSINGS, CITIES

        rng = self.rng
        governments = [org for org in self.orgs if org[5] == "local_government"]
        self.zone_ids = []
        self.zone_org: dict[int, int] = {}
        self.zone_identifiers = {}
        for index in range(self.plan.zones):
            zone_id = index + 1
            org = rng.choice(governments)
            en, zh, ru, country, lat, lon = CITIES[org[4]]
            times = self.published_times(1150)
            row = self.record_common(zone_id, org, f"Z{zone_id:06d}", *times)
            size = rng.uniform(0.05, 0.3)
            ring = [
                [round(lon - size, 4), round(lat - size, 4)],
                [round(lon + size, 4), round(lat - size, 4)],
                [round(lon + size, 4), round(lat + size, 4)],
                [round(lon - size, 4), round(lat + size, 4)],
                [round(lon - size, 4), round(lat - size, 4)],
            ]
            other = rng.choice([c for c in ("KZ", "KG", "TJ", "UZ") if c != country])
            row.update(
                {
                    "countries": sorted({country, other}),
                    "tags": rng.sample(["border-tourism", "heritage", "silk-road"], k=1),
                    "completeness": 100,
                    "name": {
                        "en": f"{en} cross-border tourism cooperation zone {zone_id}",
                        "zh": f"{zh}跨境旅游合作区{zone_id}",
                        "ru": f"Зона туристического сотрудничества {ru} {zone_id}",
                    },
                    "description": {
                        "en": f"Visa-facilitated tourism around {en}, with shared service "
                        "standards and a joint safety assistance desk.",
                        "ru": f"Туризм с упрощённым визовым режимом вокруг {ru}.",
                    },
                    "kind": rng.choice(["cross_border_tourism_zone", "border_tourism_pilot_area"]),
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "border_crossings": rng.sample(BORDER_CROSSINGS, k=rng.randint(1, 2)),
                    "established_on": (times[0] - dt.timedelta(days=200)).date(),
                    "governing_body": f"{en} zone management committee",
                    "policies": {
                        "visa_facilitation": "Visa-free group tours of up to 15 days.",
                        "insurance": "Travel insurance valid on both sides of the border.",
                    },
                    "lifecycle_status": rng.choice(["planned", "operational", "operational"]),
                }
            )
            self.zone_ids.append(zone_id)
            self.zone_org[zone_id] = org[0]
            self.zone_identifiers[zone_id] = row["identifier"]
            self.remember_events("zone", row, times[1], times[3], row["version"])
            yield row

    def projects(self, links: dict):
        from bench.places import CATEGORY_NOUNS, CITIES, CURRENCIES, LANGUAGES, TAGS
        from projects.choices import ProjectCategory, ProjectLifecycle
        from projects.domain.content import OPTIONAL_FIELDS
        from projects.models import Project

        rng = self.rng
        optional = OPTIONAL_FIELDS[Project]
        categories = list(ProjectCategory.values)
        lifecycles = list(ProjectLifecycle.values)
        lifecycle_weights = [15, 55, 10, 12, 3, 5]
        # Some organizations register far more than others (a Zipf-like spread).
        owners = [org for org in self.orgs if org[0] != 1]
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(owners))]
        total = self.plan.projects + self.plan.drafts
        chosen = rng.choices(owners, weights=weights, k=total)
        self.published_projects = []  # (id, org id)
        self.project_org: dict[int, int] = {}
        self.project_state: dict[int, str] = {}  # the unpublished ones
        roles = ["partner", "operator", "funder", "insurer"]
        for index in range(total):
            project_id = index + 1
            org = chosen[index]
            # Every 51st row is a draft, until there are as many as planned (the last rows fill
            # any gap), so exactly `plan.projects` rows are published.
            left = self.plan.drafts - len(self.drafts)
            draft = left > 0 and (index % 51 == 50 or total - index <= left)
            en_a, zh_a, ru_a, country, lat_a, lon_a = CITIES[org[4]]
            # The partner city lies across a border: cooperation between two countries.
            other = rng.choice([city for city in CITIES if city[3] != country])
            en_b, zh_b, ru_b, country_b, lat_b, lon_b = other
            category = rng.choice(categories)
            noun_en, noun_zh, noun_ru = CATEGORY_NOUNS[category]
            if draft:
                created = self.when(60)
                times = (created, None, None, created, 1)
            else:
                times = self.published_times()
            created, published, confirmed, updated, version = times
            row = self.record_common(
                project_id,
                org,
                f"P{project_id:07d}",
                created,
                published,
                confirmed,
                updated,
                version,
            )
            if draft:
                row["workflow_state"] = rng.choice(["draft", "submitted"])
                row["signed_off_by_id"] = None
                if row["workflow_state"] == "draft":
                    row["submitted_by_id"] = None
                self.drafts.append(project_id)
                self.project_state[project_id] = row["workflow_state"]
                self.draft_entries[project_id] = self.draft_entry(row)
            self.project_org[project_id] = org[0]
            start = (created + dt.timedelta(days=rng.randint(30, 400))).date()
            content = {
                "title": {
                    "en": f"{en_a} - {en_b} {noun_en} {project_id}",
                    "zh": f"{zh_a}-{zh_b}{noun_zh}{project_id}",
                    "ru": f"{ru_a} - {ru_b}: {noun_ru} {project_id}",
                },
                "summary": {
                    "en": f"A {noun_en} linking {en_a} and {en_b} along the Silk Road.",
                    "zh": f"连接{zh_a}与{zh_b}的{noun_zh}。",
                    "ru": f"{noun_ru.capitalize()}, соединяющий {ru_a} и {ru_b}.",
                },
                "description": (
                    {
                        "en": f"The {noun_en} between {en_a} and {en_b} joins Silk Road "
                        "heritage, landscapes and railways into one offer, with shared service "
                        "standards, cross-border safety assistance and insurance claims handled "
                        f"on both sides. It follows the outcome list of the China - Central Asia "
                        f"Summit and is open to partners from {country} and {country_b}.",
                        "ru": f"{noun_ru.capitalize()} между {ru_a} и {ru_b} объединяет "
                        "наследие Шёлкового пути, природу и железные дороги.",
                    }
                    if rng.random() < 0.7
                    else {}
                ),
                "category": category,
                "lifecycle_status": rng.choices(lifecycles, weights=lifecycle_weights)[0],
                "countries": sorted({country, country_b}),
                "tags": rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 3))),
                "planned_start": start if rng.random() < 0.7 else None,
                "actual_start": start + dt.timedelta(days=30) if rng.random() < 0.4 else None,
                "planned_end": start + dt.timedelta(days=730) if rng.random() < 0.5 else None,
                "actual_end": start + dt.timedelta(days=700) if rng.random() < 0.1 else None,
                "locations": (
                    [
                        {"name": en_a, "lat": lat_a, "lon": lon_a},
                        {"name": en_b, "lat": lat_b, "lon": lon_b},
                    ][: rng.randint(1, 2)]
                    if rng.random() < 0.8
                    else []
                ),
                "budget_amount": None,
                "budget_currency": "",
                "website": (
                    f"https://{org[2]}.example.org/projects/{project_id}"
                    if rng.random() < 0.5
                    else ""
                ),
                "documents": (
                    [
                        {
                            "title": f"Cooperation agreement {en_a} - {en_b}",
                            "url": f"https://{org[2]}.example.org/docs/{project_id}.pdf",
                            "language": LANGUAGES[country],
                            "category": "agreement",
                        }
                    ]
                    if rng.random() < 0.3
                    else []
                ),
                "expected_outcomes": (
                    {"en": "More visitors in both directions.", "zh": "双向游客增加。"}
                    if rng.random() < 0.4
                    else {}
                ),
            }
            if rng.random() < 0.5:
                content["budget_amount"] = f"{rng.randrange(10_000, 50_000_000)}.00"
                content["budget_currency"] = CURRENCIES[country]
            zones = []
            draw = rng.random()
            if draw < 0.75:
                zones = rng.sample(self.zone_ids, k=1 if draw < 0.6 else min(2, len(self.zone_ids)))
            for zone_id in zones:
                links["project_zone"].append((org[0], project_id, zone_id))
            content["zones"] = [self.zone_identifiers[zone_id] for zone_id in zones]
            missing = [name for name in optional if content.get(name) in (None, "", [], {})]
            row["completeness"] = round(100 * (len(optional) - len(missing)) / len(optional))
            del content["zones"]
            row.update(content)
            # Participants: the owner leads (confirmed at once), one or two others take part.
            links["participation"].append(
                (org[0], project_id, org[0], "lead", "confirmed", org[0], created)
            )
            taking_part = {org[0]}
            for _ in range(1 if rng.random() < 0.7 else 2):
                partner = rng.choice(owners)
                if partner[0] in taking_part:
                    continue
                taking_part.add(partner[0])
                status = "confirmed" if rng.random() < 0.8 else "pending"
                links["participation"].append(
                    (org[0], project_id, partner[0], rng.choice(roles), status, partner[0], created)
                )
            # Row-level security copy (projects.domain.rls_copies.refresh_shared_with).
            row["shared_with"] = sorted((str(o) for o in taking_part - {org[0]}), key=int)
            if not draft:
                self.published_projects.append((project_id, org[0]))
                self.remember_events("project", row, published, updated, version)
                if len(self.published_projects) > 1 and rng.random() < 0.1:
                    # An earlier published project (indexing, not slicing: a slice per row
                    # would make the load quadratic).
                    earlier = rng.randrange(len(self.published_projects) - 1)
                    related = self.published_projects[earlier][0]
                    kind = rng.choice(["parent", "child", "sibling"])
                    links["relation"].append((org[0], project_id, related, kind))
            yield row

    def contacts(self, links: dict):
        import phonenumbers

        from bench.places import CITIES, COUNTRIES, LANGUAGES

        rng = self.rng
        phones = {
            country: phonenumbers.format_number(
                phonenumbers.example_number(country), phonenumbers.PhoneNumberFormat.E164
            )
            for country in COUNTRIES
        }
        kinds = ["insurance_claims", "dispute_resolution", "safety_assistance", "tourist_hotline"]
        owners = [org for org in self.orgs if org[0] != 1]
        for index in range(self.plan.contacts):
            contact_id = index + 1
            org = rng.choice(owners)
            en, zh, ru, country, *_ = CITIES[org[4]]
            times = self.published_times(1150)
            row = self.record_common(contact_id, org, f"C{contact_id:06d}", *times)
            kind = rng.choice(kinds)
            label = kind.replace("_", " ")
            project = rng.choice(self.published_projects)[0]
            links["contact_project"].append((org[0], contact_id, project))
            with_zone = rng.random() < 0.5
            if with_zone:
                links["contact_zone"].append((org[0], contact_id, rng.choice(self.zone_ids)))
            row.update(
                {
                    "countries": [country],
                    "tags": [],
                    "completeness": 100 if with_zone else 91,
                    "kind": kind,
                    "name": {
                        "en": f"{en} {label} desk {contact_id}",
                        "zh": f"{zh}服务台{contact_id}",
                        "ru": f"Служба {ru} {contact_id}",
                    },
                    "provider": org[2],
                    "phone": phones[country],
                    "email": f"help@{org[2]}.example.org",
                    "website": f"https://{org[2]}.example.org/help",
                    "languages": sorted({"en", "ru", LANGUAGES[country]}),
                    "hours": "09:00-18:00",
                    "countries_covered": sorted({country, rng.choice(COUNTRIES)}),
                    "valid_from": (times[0] - dt.timedelta(days=10)).date(),
                    "valid_until": (self.now + dt.timedelta(days=rng.randint(100, 900))).date(),
                }
            )
            self.remember_events("contact", row, times[1], times[3], row["version"])
            yield row

    # --- link rows and audit

    def state_of(self, kind: str, record_id: int) -> str:
        """Zones and contacts are all published; some projects are drafts or submitted."""
        return self.project_state.get(record_id, "published") if kind == "project" else "published"

    def organization_of(self, kind: str, record_id: int) -> int:
        return (self.project_org if kind == "project" else self.zone_org)[record_id]

    def link_rows(self, rows, source: str, target: str):
        """Link rows with the row-level security copies of projects.domain.rls_copies."""
        for index, (org_id, source_id, target_id) in enumerate(rows, start=1):
            yield {
                "id": index,
                "organization_id": org_id,
                f"{source}_id": source_id,
                f"{target}_id": target_id,
                f"{source}_state": self.state_of(source, source_id),
                f"{target}_organization_id": self.organization_of(target, target_id),
                f"{target}_state": self.state_of(target, target_id),
            }

    def participation_rows(self, rows):
        for index, (org_id, project_id, participant, role, status, by, at) in enumerate(rows, 1):
            confirmed = status == "confirmed"
            yield {
                "id": index,
                "organization_id": org_id,
                "project_id": project_id,
                "participant_id": participant,
                "role": role,
                "status": status,
                "requested_by_id": self.editor_of[org_id],
                "responded_by_id": self.admin_of[by] if confirmed else None,
                "responded_at": at + dt.timedelta(days=2) if confirmed else None,
                "created_at": at,
                "project_state": self.state_of("project", project_id),
            }

    def relation_rows(self, rows):
        for index, (org_id, project_id, related, kind) in enumerate(rows, 1):
            yield {
                "id": index,
                "organization_id": org_id,
                "project_id": project_id,
                "related_id": related,
                "kind": kind,
                "project_state": self.state_of("project", project_id),
                "related_organization_id": self.project_org[related],
                "related_state": self.state_of("project", related),
            }

    def audit_rows(self):
        """Draft creations and every approval, in time order: the feed's ids follow time."""
        entries = list(self.audit)
        for project_id in self.drafts:
            entries.append(
                (self.now - dt.timedelta(days=1), None, "draft", project_id, "", 1, None)
            )
        entries.sort(key=lambda entry: entry[0])
        for index, (at, org_id, kind, object_id, identifier, version, revision) in enumerate(
            entries, 1
        ):
            if kind == "draft":
                # Creation of a draft: seen by its members only, never in the public feed.
                row = self.draft_entries[object_id]
                yield {**row, "id": index, "created_at": at}
                continue
            yield {
                "id": index,
                "organization_id": org_id,
                "content_type_id": self.content_types[kind],
                "object_id": object_id,
                "identifier": identifier,
                "action": "approve",
                "actor_id": self.reviewer,
                "actor_organization_id": 1,
                "from_state": "submitted",
                "to_state": "published",
                "comment": "",
                "revision": revision,
                "version": version,
                "changed_fields": ["title"] if revision else [],
                "created_at": at,
            }

    # --- the whole load

    def run(self, cursor) -> None:
        self.drafts: list[int] = []
        self.draft_entries: dict[int, dict] = {}
        self.load(cursor, "org", self.organizations())
        users, memberships = self.people()
        self.load(cursor, "user", users)
        self.load(cursor, "membership", memberships)
        self.load(cursor, "zone", self.zones())
        links = {"project_zone": [], "participation": [], "relation": []}
        self.load(cursor, "project", self.projects(links))
        links.update(contact_project=[], contact_zone=[])
        self.load(cursor, "contact", self.contacts(links))
        self.load(cursor, "project_zone", self.link_rows(links["project_zone"], "project", "zone"))
        self.load(cursor, "contact_zone", self.link_rows(links["contact_zone"], "contact", "zone"))
        self.load(
            cursor,
            "contact_project",
            self.link_rows(links["contact_project"], "contact", "project"),
        )
        self.load(cursor, "participation", self.participation_rows(links["participation"]))
        self.load(cursor, "relation", self.relation_rows(links["relation"]))
        self.load(cursor, "audit", self.audit_rows())
        self.change_counters(cursor)
        self.reset_sequences(cursor)

    def draft_entry(self, row: dict) -> dict:
        org_id = row["organization_id"]
        return {
            "organization_id": org_id,
            "content_type_id": self.content_types["project"],
            "object_id": row["id"],
            "identifier": row["identifier"],
            "action": "create",
            "actor_id": self.editor_of[org_id],
            "actor_organization_id": org_id,
            "from_state": "",
            "to_state": "draft",
            "comment": "",
            "revision": None,
            "version": 1,
            "changed_fields": [],
        }

    def change_counters(self, cursor) -> None:
        """The list ETags' counters (projects.domain.change_counters): public and each
        organization's."""
        from projects.models import ChangeCounter

        scopes = ["public", *(f"org:{org[0]}" for org in self.orgs)]
        cursor.execute(
            f"INSERT INTO {ChangeCounter._meta.db_table} (scope, value, changed_at) "
            "SELECT scope, 1, %s FROM unnest(%s::text[]) AS scope "
            "ON CONFLICT (scope) DO UPDATE SET value = EXCLUDED.value",
            [self.now, scopes],
        )

    def reset_sequences(self, cursor) -> None:
        for model in self.M.values():
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )


# --- Loading into a database ------------------------------------------------------------------


def _secondary_indexes(cursor, tables) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of these tables that no constraint owns."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    return cursor.fetchall()


def generate(connection, projects: int, *, fast: bool = False, seed: int = SEED) -> Generator:
    """Load the rows for `projects` published projects through a Django database connection.

    Runs inside the caller's transaction when there is one (the test's), else in its own.
    `fast`: drop secondary indexes during the load and rebuild them, and skip foreign-key
    triggers; for an empty, freshly migrated database only.
    """
    from django.db import transaction

    generator = Generator(projects, seed=seed)
    with transaction.atomic(using=connection.alias):
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        tables = [model._meta.db_table for model in generator.M.values()]
        indexes = []
        if fast:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            indexes = _secondary_indexes(cursor, tables)
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        generator.run(cursor)
        started = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)
        generator.timings["indexes"] = time.perf_counter() - started
    return generator


def create_database(name: str, server: str = SERVER_URL) -> str:
    """Drop and create the database; return its URL."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def database_state(url: str) -> str | None:
    """The generator's comment on the database, None when it does not exist."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "registry.settings"}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        check=True,
        env=env,
        cwd=ROOT,
    )


def build(name: str, projects: int, server: str = SERVER_URL, log=print) -> dict[str, float]:
    """A fresh database `name` holding `projects` published projects; returns the timings."""
    started = time.perf_counter()
    url = create_database(name, server)
    migrate(url)
    migrated = time.perf_counter()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        raise RuntimeError("Django was set up on another database; run one size per process")
    generator = generate(connection, projects, fast=True)
    loaded = time.perf_counter()
    connection.connection.autocommit = True
    with connection.connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS '{database_comment(projects)}'")
    done = time.perf_counter()
    timings = {
        "migrate": migrated - started,
        **{f"copy {table}": seconds for table, seconds in generator.timings.items()},
        "load total": loaded - migrated,
        "vacuum analyze": done - loaded,
        "total": done - started,
    }
    log(f"{name}: {projects} published projects")
    log("  rows: " + ", ".join(f"{table} {count}" for table, count in generator.counts.items()))
    for label, seconds in timings.items():
        log(f"  {label:24s} {seconds:8.1f} s")
    return timings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), help="10k, 100k or 1m (or tiny)")
    parser.add_argument("--projects", type=int, help="any number of published projects")
    parser.add_argument("--database", help="database name (default bench_<size>)")
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL server URL, no name")
    args = parser.parse_args(argv)
    if (args.size is None) == (args.projects is None):
        parser.error("give --size or --projects")
    projects = SIZES[args.size] if args.size else args.projects
    name = args.database or f"bench_{args.size or projects}"
    sys.path.insert(0, str(ROOT))
    build(name, projects, args.server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
