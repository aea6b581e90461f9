"""`q` on the lists (issue 11): PostgreSQL answers it from stored search columns that the database
computes on every write (projects/migrations/0007_search_columns.py). They must follow edits, and
find exactly what the text expressions they replaced found."""

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q
from django.db.models.lookups import IContains

from projects.domain import services
from projects.models import Contact, Project, Zone
from projects.reads.filtersets import SEARCH_FIELDS, SearchText
from registry.tenancy import Actor
from tests.projects.api.conftest import published
from tests.projects.factories import create

LISTS = {Project: "/api/v1/projects/", Zone: "/api/v1/zones/", Contact: "/api/v1/contacts/"}


def found(client, model, query) -> set[str]:
    response = client.get(LISTS[model], {"q": query, "page_size": 500})
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None
    return {row["identifier"] for row in response.json()["results"]}


def test_an_edited_draft_is_found_by_its_new_title_not_the_old_one(session_client, org_a, editor_a):
    draft = create(Project, org_a, editor_a, ref="EDIT", title={"en": "Bukhara lantern walk"})
    member = session_client(editor_a)
    assert found(member, Project, "lantern") == {draft.identifier}
    services.update_record(
        Actor.for_user(editor_a), draft, {"title": {"en": "Kokand pottery walk", "ru": "Гончары"}}
    )
    for query in ("pottery", "KOKAND POT", "Гончары"):  # a word, a substring, another language
        assert found(member, Project, query) == {draft.identifier}, query
    for query in ("lantern", "BUKHARA"):
        assert found(member, Project, query) == set(), query


def test_a_published_title_is_searched_as_published_until_its_revision_is_approved(
    api, session_client, org_a, editor_a, reviewer
):
    record = published(Project, org_a, editor_a, ref="REVISED", title={"en": "Khiva silk fair"})
    services.update_record(Actor.for_user(editor_a), record, {"title": {"en": "Termez wool fair"}})
    # The pending revision is not the published content: the public still finds the old title.
    assert found(api, Project, "silk") == {record.identifier}
    assert found(api, Project, "wool") == set()
    url = f"/api/v1/projects/{record.identifier}/"
    assert session_client(editor_a).post(f"{url}submit/").status_code == 200
    assert session_client(reviewer).post(f"{url}approve/").status_code == 200
    assert found(api, Project, "wool") == {record.identifier}
    assert found(api, Project, "TERMEZ W") == {record.identifier}
    assert found(api, Project, "silk") == set()
    assert found(api, Project, "KHIVA") == set()


@pytest.fixture
def varied(org_a, org_b, editor_a, editor_b):
    """Published records in several languages and shapes (empty fields, punctuation, digits)."""
    projects = [
        dict(ref="TRAIN"),
        dict(
            ref="ROUTE-7",
            title={"en": "Samarkand heritage route", "ru": "Маршрут Самарканд – Бухара"},
            summary={"en": "A co-developed Silk Road heritage route, 100% walkable."},
            description={"en": "Stops: Registan_square, Shah-i-Zinda; tickets \\ passes."},
        ),
        dict(
            ref="ZH",
            title={"zh": "喀什古城文化旅游节", "en": "Kashgar old town festival 2025"},
            summary={"zh": "连接喀什与阿拉木图的旅游节。"},
        ),
        dict(
            ref="RU",
            title={"ru": "Фестиваль «Шёлковый путь»", "en": "Silk Road festival"},
            summary={"ru": "Культурно-туристический поезд, ЁЛКИ и ёлки."},
        ),
        dict(ref="TRAIN2", title={"en": "Urumqi - Almaty train 12345"}, summary={}),
        dict(ref="STRASSE", title={"en": "Straße der Seide", "de": "STRASSE"}, description={}),
    ]
    made = [published(Project, org_a, editor_a, **data) for data in projects[:3]]
    made += [published(Project, org_b, editor_b, **data) for data in projects[3:]]
    zones = [
        published(Zone, org_a, editor_a, ref="KHORGOS"),
        published(
            Zone,
            org_b,
            editor_b,
            ref="MEDEU",
            name={"en": "Medeu mountain zone", "ru": "Зона Медеу", "zh": "麦迪奥山区"},
            description={"en": "Skating rink and trails above Almaty."},
        ),
    ]
    contacts = [
        published(Contact, org_a, editor_a, ref="HOTLINE"),
        published(Contact, org_b, editor_b, ref="DESK", name={"ru": "Справочная Алматы"}),
    ]
    return {Project: made, Zone: zones, Contact: contacts}


QUERIES = [
    "train",
    "TRAIN",
    "Train 123",
    "tourism train",
    '"cultural tourism"',
    '"tourism cultural"',
    "silk -festival",
    "silk or kashgar",
    "Самарканд",
    "самарканд – бухара",
    "шёлковый",
    "ёлки",
    "喀什",
    "阿拉木图",
    "文化旅游",
    "麦迪奥",
    "2025",
    "234",
    "CN-XIAN",
    "xian-train",
    "ALA-RU",
    "-R",
    "straße",
    "STRASSE",
    "100%",
    "registan_",
    "_",
    "%",
    "\\",
    "zh",
    "en:",
    "{",
    "'",
    "a & b | !c",
    "almaty",
    "алматы",
    "hotline",
    "zone",
]


@pytest.mark.postgres_only
def test_the_stored_columns_find_what_the_text_expressions_found(api, varied):
    """The expressions `q` was answered with before the stored columns (the same rule, computed
    from the JSON on every row), against what the lists answer now."""
    for model in varied:
        fields = SEARCH_FIELDS[model]
        vector = SearchVector(*(SearchText(name) for name in fields), config="simple")
        rows = model.objects.unscoped("test: the reference search").annotate(_vector=vector)
        for query in QUERIES:
            condition = (
                Q(identifier__icontains=query)
                | Q(_vector=SearchQuery(query, config="simple", search_type="websearch"))
                | Q(IContains(SearchText(fields[0]), query))
            )
            expected = set(rows.filter(condition).values_list("identifier", flat=True))
            assert found(api, model, query) == expected, (model.__name__, query)
    # The records are varied enough for the comparison to mean something.
    assert found(api, Project, "Самарканд") == {"CN-XIAN-ROUTE-7"}  # a word of the ru title
    assert found(api, Project, "喀什") == {"CN-XIAN-ZH"}  # within the zh title
    assert found(api, Project, "234") == {"KZ-ALA-TRAIN2"}  # within an en title
    assert found(api, Project, "ALA-RU") == {"KZ-ALA-RU"}  # within the identifier
    assert found(api, Project, "ёлки") == {"KZ-ALA-RU"}  # a word of the summary
    assert found(api, Zone, "almaty") == {"KZ-ALA-MEDEU"}  # a word of the description
    assert found(api, Contact, "алматы") == {"KZ-ALA-DESK"}
