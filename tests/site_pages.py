"""Every page of the site, with real arguments, for the cross-page tests.

`page_dataset()` builds one of each kind of thing a page can show: a published project (with a
confirmed participant from another organization), zone and contact, a draft, a published project
with a pending (submitted) revision, a pending participation request, a sister-city link. Its
texts are multilingual and chosen so that none equals a page label (the untranslated-label test
compares text nodes with the catalogue's msgids).

`page_urls(dataset)` walks the URL resolver like tests/test_page_routes.py and answers
(name, url) for every HTML page. A route must be listed in PAGES (with how to fill its arguments)
or in NOT_PAGES (with why it is no page): a new route fails `unknown_routes()` until it is.

Used by tests/test_every_page.py, tests/test_page_query_counts.py and tests/browser/.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse

SKIPPED_PREFIXES = ("api/", "admin/", "i18n/")

# Routes that answer no HTML page to a GET; each with why.
NOT_PAGES = {
    "healthz": "plain-text probe",
    "readyz": "plain-text probe",
    "logout": "POST only",
    "switch_organization": "POST only",
    "set_language": "POST only (Django's i18n view)",
    "records-export": "a file download",
    "projects-export-iati": "a file download",
    "records-import-template": "a file download",
    "catalog-ttl": "the DCAT-AP catalogue in Turtle, for machines",
    "catalog-jsonld": "the DCAT-AP catalogue in JSON-LD, for machines",
    "sitemap": "XML for search engines",
    "data-file": "a file of the published dumps",
    "records-import-confirm": "POST only (the import's second step)",
    "api-docs": "the API's Swagger page (tests/api)",
    "lookup": "JSON for the forms' type-ahead (tests/projects/pages/signed_in/test_lookup.py)",
    # The signed-in pages' forms post here; the pages that show those forms are below.
    "project-participant-add": "POST only (the detail and edit pages' participant form)",
    "participation-answer": "POST only (the dashboard's confirm and decline buttons)",
    "record-action": "POST only (the workflow buttons)",
    "record-decision": "POST only (the decision form; a final action answers the confirmation)",
    "record-discard-revision": "POST only",
    "record-delete": "POST only",
    "record-documents": "POST only (the record page's document form)",
    "record-document": "a file download (tests/projects/pages/signed_in/test_documents.py)",
    "record-document-delete": "POST only (the record page's remove buttons)",
    "member-role": "POST only (the members page's forms)",
    "member-remove": "POST only (the members page's forms)",
    "api-key-revoke": "POST only (the API keys page's forms)",
    "sister-city-answer": "POST only (the sister-cities page's forms)",
    "invitation-resend": "POST only (the members page's forms)",
    "organization-application-approve": "POST only (the application page's forms)",
    "organization-application-decline": "POST only (the application page's forms)",
    "invitation-revoke": "POST only (the members page's forms; its confirmation is its answer)",
    # Issue 17: the second sign-in step needs a password step first, else it sends to sign-in.
    "two-factor-verify": "the second sign-in step (tests/accounts/test_two_factor.py)",
}

# name -> (who may see it: "public", "member" or "platform_admin", function(dataset) -> reverse()
# args)
PAGES: dict[str, tuple[str, object]] = {
    "home": ("public", None),
    "login": ("public", None),
    "invitation": ("public", lambda d: [d.invitation_token]),
    "organization-apply": ("public", None),
    "profile": ("member", None),
    "profile-email-confirm": ("member", lambda d: ["a-link-token"]),
    "organization-application": ("platform_admin", lambda d: [d.application.pk]),
    # Issue 17: password reset (an invalid link shows its own page), two-factor sign-in.
    "password_reset": ("public", None),
    "password_reset_done": ("public", None),
    "password_reset_confirm": ("public", lambda d: ["MQ", "set-password"]),
    "password_reset_complete": ("public", None),
    "two-factor": ("member", None),
    "password_change": ("member", None),
    "password_change_done": ("member", None),
    "records-import": ("member", lambda d: ["projects"]),
    "records-import-columns": ("public", lambda d: ["projects"]),
    # Signed-in record pages (issue 8, projects/pages/urls.py).
    "dashboard": ("member", None),
    # One dashboard list, paged (issue 21): the stale list (a 404 page for those without it).
    "dashboard-list": ("member", lambda d: ["stale"]),
    "project-create": ("member", None),
    "zone-create": ("member", None),
    "contact-create": ("member", None),
    "project-edit": ("member", lambda d: [d.records["draft"].identifier]),
    "zone-edit": ("member", lambda d: [d.records["zone"].identifier]),
    "contact-edit": ("member", lambda d: [d.records["contact"].identifier]),
    "record-review": ("member", lambda d: ["projects", d.records["revised"].identifier]),
    "record-history": ("member", lambda d: ["projects", d.records["project"].identifier]),
    "members": ("member", None),
    "api-keys": ("member", None),
    "sister-cities": ("member", None),
    # A job's page (issue 19): the admin's import job (others get the 404 page).
    "job": ("member", lambda d: [d.jobs["import"].pk]),
    # Public pages (issue 8, projects/urls.py).
    "project-list": ("public", None),
    "zone-list": ("public", None),
    "contact-list": ("public", None),
    "project-detail": ("public", lambda d: [d.records["project"].identifier]),
    "zone-detail": ("public", lambda d: [d.records["zone"].identifier]),
    "contact-detail": ("public", lambda d: [d.records["contact"].identifier]),
    "map": ("public", None),
    "stats": ("public", None),
    "organization-list": ("public", None),
    "organization-detail": ("public", lambda d: [d.orgs["a"].slug]),
}


@dataclass
class PageDataset:
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)
    jobs: dict = field(default_factory=dict)
    # Record texts shown on pages (record data, not labels): stripped before comparing with msgids.
    texts: set = field(default_factory=set)
    invitation_token: str = ""
    application: object = None


ROLES = ("anonymous", "viewer", "editor", "org_admin", "reviewer", "platform_admin")


def page_dataset(scale: int = 0) -> PageDataset:
    """The dataset; `scale` extra published projects (for the query-count comparison)."""
    from accounts.domain import keys
    from accounts.domain import services as accounts_services
    from accounts.models import PlatformRole
    from projects.domain import participants, services
    from projects.models import Contact, Project, Zone
    from registry.tenancy import Actor
    from tests.factories import OrganizationFactory, member
    from tests.projects.factories import act, create, project_data

    d = PageDataset()
    d.orgs["secretariat"] = OrganizationFactory(
        slug="secretariat",
        identifier_prefix="SRR",
        kind="secretariat",
        country="CN",
        name={"en": "Registry Secretariat", "zh": "秘书处", "ru": "Секретариат"},
    )
    d.orgs["a"] = OrganizationFactory(
        slug="xian",
        identifier_prefix="CN-XIAN",
        country="CN",
        city="Xi'an",
        name={"en": "Xi'an Municipal Government", "zh": "西安市人民政府", "ru": "Мэрия Сианя"},
    )
    d.orgs["b"] = OrganizationFactory(
        slug="almaty",
        identifier_prefix="KZ-ALA",
        country="KZ",
        city="Almaty",
        name={"en": "Almaty City Akimat", "zh": "阿拉木图市政府", "ru": "Акимат Алматы"},
    )
    a, b, sec = d.orgs["a"], d.orgs["b"], d.orgs["secretariat"]
    d.users["viewer"] = member(a, "viewer", username="viewer-a")
    d.users["editor"] = member(a, "editor", username="editor-a")
    d.users["org_admin"] = member(a, "admin", username="admin-a")
    d.users["admin_b"] = member(b, "admin", username="admin-b")
    d.users["reviewer"] = member(sec, "viewer", username="reviewer")
    d.users["reviewer"].platform_role = PlatformRole.REVIEWER
    d.users["reviewer"].save()
    d.users["platform_admin"] = member(sec, "admin", username="platform-admin")
    d.users["platform_admin"].platform_role = PlatformRole.PLATFORM_ADMIN
    d.users["platform_admin"].save()
    editor, reviewer = d.users["editor"], d.users["reviewer"]

    def published(model, **overrides):
        record = create(model, a, editor, **overrides)
        act(editor, record, "submit")
        act(reviewer, record, "approve")
        record.refresh_from_db()
        return record

    d.records["project"] = published(
        Project,
        title={
            "en": "Xi'an-Almaty cultural tourism train",
            "zh": "西安至阿拉木图文旅专列",
            "ru": "Туристический поезд Сиань-Алматы",
        },
    )
    participation = participants.add_participant(
        Actor.for_user(editor), d.records["project"], b, "partner"
    )
    participants.respond_participation(Actor.for_user(d.users["admin_b"]), participation, True)
    # A document on the published project (issue 18), so that its list is on the pages. A row
    # only: the pages list it, no test here downloads it.
    from django.contrib.contenttypes.models import ContentType

    from projects.models import RecordDocument

    RecordDocument.objects.create(
        organization=a,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=d.records["project"].pk,
        title="ТЭО 可行性研究 2025",
        file=f"{a.pk}/dataset.pdf",
        size=2048,
        media_type="application/pdf",
        extension="pdf",
        sha256="0" * 64,
        uploaded_by=editor,
        record_state=d.records["project"].workflow_state,
    )
    d.records["zone"] = published(
        Zone,
        name={
            "en": "Khorgos cross-border tourism zone",
            "zh": "霍尔果斯跨境旅游合作区",
            "ru": "Трансграничная туристическая зона Хоргос",
        },
    )
    d.records["contact"] = published(
        Contact,
        name={
            "en": "Travel insurance claims hotline",
            "zh": "旅游保险理赔热线",
            "ru": "Горячая линия страховых выплат",
        },
    )
    d.records["draft"] = create(
        Project,
        a,
        editor,
        title={
            "en": "Silk Road night market draft",
            "zh": "丝路夜市草稿",
            "ru": "Черновик ночного рынка",
        },
    )
    revised = published(
        Project,
        title={
            "en": "Tashkent heritage walking route",
            "zh": "塔什干遗产步行线路",
            "ru": "Пешеходный маршрут Ташкента",
        },
    )
    services.update_record(
        Actor.for_user(editor),
        revised,
        project_data(
            summary={
                "en": "A revised summary of the walking route",
                "zh": "修订后的步行线路简介",
                "ru": "Новое описание маршрута",
            }
        ),
    )
    act(editor, revised, "submit")
    d.records["revised"] = revised
    # A participation request waiting for org B's admin (the dashboard shows it).
    participants.add_participant(Actor.for_user(editor), d.records["draft"], b, "operator")
    # Xi'an and Almaty are sister cities; an API key of Xi'an's admin.
    admin_a = Actor.for_user(d.users["org_admin"])
    link = accounts_services.propose_link(admin_a, a, b, note="Twinned since 2015")
    accounts_services.accept_link(Actor.for_user(d.users["admin_b"]), link)
    keys.issue_key(d.users["org_admin"], a, name="Partner sync", scopes="read")
    # A pending invitation of Xi'an (issue 17); its token is only in the link.
    from accounts.domain import invitations

    tokens: list[str] = []
    invitations.invite(admin_a, a, "colleague@example.org", "editor", tokens.append)
    d.invitation_token = tokens[0]
    # An organization applying to join (issue 17), seen by platform admins.
    from accounts.models import OrganizationApplication

    d.application = OrganizationApplication.objects.create(
        name={"en": "Kashgar Municipal People's Government", "zh": "喀什市人民政府"},
        kind="local_government",
        country="CN",
        website="https://kashgar.gov.cn/",
        applicant_name="Aziz Mamat",
        applicant_email="aziz@kashgar.gov.cn",
    )
    # An import job of Xi'an's admin, half done (issue 19): the browser walks pages as that admin.
    from registry import jobs
    from registry.models import Job

    d.jobs["import"] = jobs.start("import", admin_a, organization=a, total=10)
    Job.objects.filter(pk=d.jobs["import"].pk).update(state="running", progress_done=5)
    d.texts = _record_texts(d) | {
        "Kashgar Municipal People's Government",
        "喀什市人民政府",
        "https://kashgar.gov.cn/",
        "Aziz Mamat",
    }
    if scale:
        add_published(d, scale)
    return d


def add_published(d: PageDataset, count: int) -> None:
    """`count` more records of the three types, for the query counts: every list grows, and so
    does every dashboard list (a fifth stay drafts, a fifth wait for review, the rest are
    published); half the projects name Almaty as a partner (confirmed when published, else
    waiting for its answer)."""
    from projects.domain import participants
    from projects.models import Contact, Project, Zone
    from registry.tenancy import Actor
    from tests.projects.factories import act, create

    editor, reviewer = d.users["editor"], d.users["reviewer"]
    models = (Project, Zone, Contact)
    for n in range(count):
        model = models[n % 3]
        label = {"en": f"Extra record {n}", "zh": f"额外记录 {n}", "ru": f"Доп. запись {n}"}
        field = "title" if model is Project else "name"
        record = create(model, d.orgs["a"], editor, **{field: label})
        state = ("draft", "submitted", "published", "published", "published")[n % 5]
        if state != "draft":
            act(editor, record, "submit")
        if state == "published":
            act(reviewer, record, "approve")
        if model is Project and n % 2 == 0:
            participation = participants.add_participant(
                Actor.for_user(editor), record, d.orgs["b"], "partner"
            )
            if state == "published":
                participants.respond_participation(
                    Actor.for_user(d.users["admin_b"]), participation, True
                )


def _strings(value):
    if isinstance(value, str):
        yield " ".join(value.split())
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _record_texts(d: PageDataset) -> set[str]:
    """Every text the dataset put in the database (what pages show as data, not labels)."""
    from projects.domain.content import content_of
    from projects.domain.revisions import proposed_content

    texts = {"Twinned since 2015", "Partner sync"}
    for org in d.orgs.values():
        texts.update(_strings([org.name, org.slug, org.identifier_prefix, org.city]))
    for user in d.users.values():
        texts.update([user.username, user.email, user.get_full_name()])
    for record in d.records.values():
        texts.add(record.identifier)
        texts.update(_strings(content_of(record)))
        texts.update(_strings(proposed_content(record) or {}))
    return {text for text in texts if text}


def page_routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from page_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
            yield pattern.name, route


def unknown_routes() -> list[str]:
    return sorted(
        f"{name or '(no name)'}: {route}"
        for name, route in page_routes()
        if name not in PAGES and name not in NOT_PAGES
    )


def page_urls(dataset: PageDataset, audience: str | None = None) -> list[tuple[str, str]]:
    """(name, url) of every page; `audience` "public", "member" or "platform_admin" keeps only
    those."""
    unknown = unknown_routes()
    assert not unknown, f"routes unknown to tests/site_pages.py (add them to PAGES): {unknown}"
    urls = []
    for name, _route in page_routes():
        if name in NOT_PAGES:
            continue
        who, args = PAGES[name]
        if audience is not None and who != audience:
            continue
        urls.append((name, reverse(name, args=args(dataset) if args else [])))
    return sorted(set(urls))
