"""Demo organizations, people and sister-city links (`manage.py seed_demo`).

Facts from /work/shared/REAL-WORLD.md: the cities and their countries, the Urumqi - Samarkand
sister-city agreement of the Astana summit (June 2025), the Xi'an - Almaty cultural tourism
train, the Sichuan - Bishkek agreement. Companies are invented but plausible; the declined and
the ended link exist only to show the consent flow and say so.

Everything goes through accounts.domain.services, and running it again updates instead of
duplicating.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.domain import services
from accounts.models import (
    Organization,
    OrganizationKind,
    PlatformRole,
    SisterCityLink,
    SisterCityStatus,
    User,
)
from registry.tenancy import Actor

DEMO_PASSWORD = "silkroad-demo-2025"
DEMO_EMAIL_DOMAIN = "demo.silkroad-registry.example"

GOV = OrganizationKind.LOCAL_GOVERNMENT


def _city(slug, prefix, country, city, region, names, **extra):
    return {
        "slug": slug,
        "identifier_prefix": prefix,
        "kind": GOV,
        "country": country,
        "city": city,
        "region": region,
        "name": names,
        **extra,
    }


ORGANIZATIONS = [
    _city(
        "xian",
        "CN-XIAN",
        "CN",
        "Xi'an",
        "Shaanxi",
        {
            "en": "Xi'an Municipal People's Government",
            "zh": "西安市人民政府",
            "ru": "Народное правительство города Сиань",
        },
        # Xi'an reviews its own submissions before they reach the secretariat.
        requires_signoff=True,
    ),
    _city(
        "urumqi",
        "CN-URUMQI",
        "CN",
        "Urumqi",
        "Xinjiang",
        {
            "en": "Urumqi Municipal People's Government",
            "zh": "乌鲁木齐市人民政府",
            "ru": "Народное правительство города Урумчи",
        },
    ),
    _city(
        "chengdu",
        "CN-CHENGDU",
        "CN",
        "Chengdu",
        "Sichuan",
        {
            "en": "Chengdu Municipal People's Government",
            "zh": "成都市人民政府",
            "ru": "Народное правительство города Чэнду",
        },
    ),
    _city(
        "beijing",
        "CN-BEIJING",
        "CN",
        "Beijing",
        "Beijing",
        {
            "en": "Beijing Municipal People's Government",
            "zh": "北京市人民政府",
            "ru": "Народное правительство города Пекина",
        },
    ),
    _city(
        "almaty",
        "KZ-ALA",
        "KZ",
        "Almaty",
        "Almaty",
        {
            "en": "Akimat of Almaty",
            "kk": "Алматы қаласының әкімдігі",
            "ru": "Акимат города Алматы",
            "zh": "阿拉木图市政府",
        },
    ),
    _city(
        "astana",
        "KZ-AST",
        "KZ",
        "Astana",
        "Astana",
        {
            "en": "Akimat of Astana",
            "kk": "Астана қаласының әкімдігі",
            "ru": "Акимат города Астаны",
            "zh": "阿斯塔纳市政府",
        },
    ),
    _city(
        "tashkent",
        "UZ-TAS",
        "UZ",
        "Tashkent",
        "Tashkent",
        {
            "en": "Tashkent City Khokimiyat",
            "uz": "Toshkent shahar hokimligi",
            "ru": "Хокимият города Ташкента",
            "zh": "塔什干市政府",
        },
    ),
    _city(
        "samarkand",
        "UZ-SAM",
        "UZ",
        "Samarkand",
        "Samarkand Region",
        {
            "en": "Samarkand City Khokimiyat",
            "uz": "Samarqand shahar hokimligi",
            "ru": "Хокимият города Самарканда",
            "zh": "撒马尔罕市政府",
        },
    ),
    _city(
        "bishkek",
        "KG-BIS",
        "KG",
        "Bishkek",
        "Bishkek",
        {
            "en": "Bishkek City Hall",
            "ky": "Бишкек шаарынын мэриясы",
            "ru": "Мэрия города Бишкек",
            "zh": "比什凯克市政府",
        },
    ),
    _city(
        "dushanbe",
        "TJ-DUS",
        "TJ",
        "Dushanbe",
        "Dushanbe",
        {
            "en": "Executive Body of State Power of Dushanbe",
            "tg": "Мақомоти иҷроияи ҳокимияти давлатии шаҳри Душанбе",
            "ru": "Исполнительный орган государственной власти города Душанбе",
            "zh": "杜尚别市政府",
        },
    ),
    _city(
        "ashgabat",
        "TM-ASH",
        "TM",
        "Ashgabat",
        "Ashgabat",
        {
            "en": "Ashgabat City Hakimlik",
            "tk": "Aşgabat şäher häkimligi",
            "ru": "Хякимлик города Ашхабада",
            "zh": "阿什哈巴德市政府",
        },
    ),
    {
        "slug": "silk-road-rail",
        "identifier_prefix": "CN-SRHRT",
        "kind": OrganizationKind.MARKET_ENTITY,
        "sector": "rail",
        "country": "CN",
        "city": "Xi'an",
        "region": "Shaanxi",
        "registration_id": "91610131MA6TXR8K2R",
        "website": "https://rail.silkroad-demo.example",
        "name": {
            "en": "Silk Road Heritage Rail Tours Co., Ltd.",
            "zh": "丝路遗产铁路旅游有限公司",
            "ru": "ООО «Туристические поезда Шёлкового пути»",
        },
    },
    {
        "slug": "steppe-voyages",
        "identifier_prefix": "KZ-STEPPE",
        "kind": OrganizationKind.MARKET_ENTITY,
        "sector": "tour_operator",
        "country": "KZ",
        "city": "Almaty",
        "region": "Almaty",
        "registration_id": "190440021350",
        "website": "https://steppe-voyages.example",
        "name": {
            "en": "Steppe Voyages LLP",
            "kk": "«Дала саяхаттары» ЖШС",
            "ru": "ТОО «Степные путешествия»",
            "zh": "草原之旅旅行社",
        },
    },
    {
        "slug": "caravan-assurance",
        "identifier_prefix": "UZ-CARAVAN",
        "kind": OrganizationKind.MARKET_ENTITY,
        "sector": "insurer",
        "country": "UZ",
        "city": "Tashkent",
        "region": "Tashkent",
        "registration_id": "307112459",
        "website": "https://caravan-assurance.example",
        "name": {
            "en": "Caravan Travel Assurance JSC",
            "uz": "«Karvon Travel Sug'urta» AJ",
            "ru": "АО «Караван Тревел Страхование»",
            "zh": "商队旅行保险股份公司",
        },
    },
    {
        "slug": "secretariat",
        "identifier_prefix": "SRR",
        "kind": OrganizationKind.SECRETARIAT,
        "country": "CN",
        "city": "Xi'an",
        "region": "Shaanxi",
        "name": {
            "en": "China-Central Asia Tourism Cooperation Registry Secretariat",
            "zh": "中国—中亚旅游合作登记处秘书处",
            "ru": "Секретариат реестра туристического сотрудничества Китай — Центральная Азия",
        },
    },
    {
        "slug": "silkway-insights",
        "identifier_prefix": "KG-SWI",
        "kind": OrganizationKind.PARTNER,
        "country": "KG",
        "city": "Bishkek",
        "region": "Bishkek",
        "website": "https://silkway-insights.example",
        "name": {
            "en": "Silkway Travel Insights",
            "ru": "Силквэй Тревел Инсайтс",
            "zh": "丝路旅行洞察",
        },
    },
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    memberships: list[tuple[str, str]] = field(default_factory=list)  # (slug, role)
    platform_role: str = PlatformRole.NONE


USERS = [
    DemoUser("xian-admin", "Li", "Na", [("xian", "admin")]),
    DemoUser("xian-editor", "Zhang", "Wei", [("xian", "editor")]),
    DemoUser("xian-viewer", "Wang", "Fang", [("xian", "viewer")]),
    DemoUser("urumqi-admin", "Aynur", "Tursun", [("urumqi", "admin")]),
    DemoUser("urumqi-editor", "Chen", "Jie", [("urumqi", "editor")]),
    DemoUser("chengdu-admin", "Liu", "Yang", [("chengdu", "admin")]),
    DemoUser("beijing-admin", "Zhao", "Min", [("beijing", "admin")]),
    DemoUser("almaty-admin", "Aigerim", "Nurlanova", [("almaty", "admin")]),
    DemoUser("almaty-editor", "Daniyar", "Seitkali", [("almaty", "editor")]),
    DemoUser("almaty-viewer", "Madina", "Abenova", [("almaty", "viewer")]),
    DemoUser("astana-admin", "Yerlan", "Bekov", [("astana", "admin")]),
    DemoUser("tashkent-admin", "Dilnoza", "Karimova", [("tashkent", "admin")]),
    DemoUser("samarkand-admin", "Jasur", "Rakhimov", [("samarkand", "admin")]),
    DemoUser("samarkand-editor", "Nilufar", "Tosheva", [("samarkand", "editor")]),
    DemoUser("bishkek-admin", "Aibek", "Toktogulov", [("bishkek", "admin")]),
    DemoUser("dushanbe-admin", "Firuz", "Saidov", [("dushanbe", "admin")]),
    DemoUser("ashgabat-admin", "Merdan", "Ataev", [("ashgabat", "admin")]),
    # Works for the rail operator and follows Xi'an's records: shows the organization switcher.
    DemoUser("rail-admin", "Sun", "Hao", [("silk-road-rail", "admin"), ("xian", "viewer")]),
    DemoUser("rail-editor", "Gao", "Lin", [("silk-road-rail", "editor")]),
    DemoUser("tours-admin", "Asel", "Dzhaksybekova", [("steppe-voyages", "admin")]),
    DemoUser("insurer-admin", "Bobur", "Yusupov", [("caravan-assurance", "admin")]),
    DemoUser("insurer-editor", "Kamola", "Ismoilova", [("caravan-assurance", "editor")]),
    DemoUser("partner-analyst", "Nurlan", "Osmonov", [("silkway-insights", "viewer")]),
    DemoUser("reviewer", "Zhou", "Qing", [("secretariat", "viewer")], PlatformRole.REVIEWER),
    DemoUser(
        "platform-admin", "Ma", "Rui", [("secretariat", "admin")], PlatformRole.PLATFORM_ADMIN
    ),
]


@dataclass(frozen=True)
class DemoLink:
    proposer: str  # slug of the proposing city; its "-admin" user proposes
    partner: str
    status: str
    note: str


LINKS = [
    DemoLink(
        "urumqi",
        "samarkand",
        SisterCityStatus.ACTIVE,
        "Sister cities: agreement signed at the second China-Central Asia Summit, Astana, "
        "June 2025.",
    ),
    DemoLink(
        "xian",
        "almaty",
        SisterCityStatus.ACTIVE,
        "The two ends of the first China-Central Asia cultural tourism train.",
    ),
    DemoLink(
        "chengdu",
        "bishkek",
        SisterCityStatus.PROPOSED,
        "Proposed after the Sichuan Province - Bishkek agreement of June 2025.",
    ),
    DemoLink(
        "beijing",
        "dushanbe",
        SisterCityStatus.DECLINED,
        "Demo only: a proposal that was declined, to show the consent flow.",
    ),
    DemoLink(
        "astana",
        "tashkent",
        SisterCityStatus.ENDED,
        "Demo only: a link that was accepted and later ended, to show the consent flow.",
    ),
]


def _seed_organization(spec: dict) -> Organization:
    existing = Organization.objects.filter(slug=spec["slug"]).first()
    if existing is None:
        details = {k: v for k, v in spec.items() if k not in ("slug", "identifier_prefix")}
        return services.create_organization(
            spec["slug"],
            details.pop("name"),
            details.pop("kind"),
            details.pop("country"),
            spec["identifier_prefix"],
            **details,
        )
    changes = {k: v for k, v in spec.items() if k != "slug"}
    return services.update_organization(existing, is_active=True, **changes)


@functools.cache
def _demo_password_hash() -> str:
    services.check_password(DEMO_PASSWORD)  # the demo password passes the validators too
    return make_password(DEMO_PASSWORD)


def _seed_user(spec: DemoUser, organizations: dict[str, Organization]) -> User:
    user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
    user.first_name, user.last_name = spec.first_name, spec.last_name
    user.email = f"{spec.username}@{DEMO_EMAIL_DOMAIN}"
    user.is_active = True
    # Hashing is slow on purpose: hash the one demo password once per run, not once per user.
    user.password = _demo_password_hash()
    user.save()
    for slug, role in spec.memberships:
        services.add_membership(user, organizations[slug], role)
    return services.set_platform_role(user, spec.platform_role)


def _seed_link(spec: DemoLink, organizations: dict[str, Organization]) -> SisterCityLink:
    proposer, partner = organizations[spec.proposer], organizations[spec.partner]
    existing = services.links_between(proposer, partner).order_by("pk").first()
    if existing is not None:
        return existing  # any link between the two, in any state: the demo already has it
    proposer_admin = Actor.for_user(User.objects.get(username=f"{spec.proposer}-admin"))
    partner_admin = Actor.for_user(User.objects.get(username=f"{spec.partner}-admin"))
    link = services.propose_link(proposer_admin, proposer, partner, note=spec.note)
    if spec.status == SisterCityStatus.DECLINED:
        return services.decline_link(partner_admin, link)
    if spec.status in (SisterCityStatus.ACTIVE, SisterCityStatus.ENDED):
        link = services.accept_link(partner_admin, link)
    if spec.status == SisterCityStatus.ENDED:
        link = services.end_link(proposer_admin, link)
    return link


def seed_accounts() -> dict:
    """Create or update the demo tenants, people and links. Safe to run again."""
    with transaction.atomic():
        organizations = {spec["slug"]: _seed_organization(spec) for spec in ORGANIZATIONS}
        users = {spec.username: _seed_user(spec, organizations) for spec in USERS}
        links = [_seed_link(spec, organizations) for spec in LINKS]
    return {
        "organizations": organizations,
        "users": users,
        "links": links,
        "password": DEMO_PASSWORD,
        "logins": demo_logins(),
    }


def demo_logins() -> list[dict]:
    """One row per demo user and organization, for the table `seed_demo` prints."""
    rows = []
    for spec in USERS:
        for slug, role in spec.memberships:
            rows.append(
                {
                    "username": spec.username,
                    "role": role,
                    "organization": slug,
                    "platform_role": spec.platform_role,
                }
            )
    return rows
