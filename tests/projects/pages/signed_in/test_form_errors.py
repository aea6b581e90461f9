"""Every record form with every field wrong at once (issue 18): each error is listed in the summary
under its field's label in the page's language, in that language, never under a field name such
as planned_start, and the cross-field errors come with the others, in one round.

The test walks the forms' fields: a field added to `content.FIELDS` fails here until it has a
wrong value below (or a reason why no value can be wrong)."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from projects.domain.content import FIELDS
from projects.models import Contact, Project, Zone
from projects.pages.forms import LABELS, RecordForm
from registry.tenancy import Actor, visible
from tests.projects.pages.signed_in.helpers import MANAGEMENT, rows

LONG = "x" * 301

# A wrong value for every field, as the form posts it.
WRONG = {
    Project: {
        "title": {"title_en": "", "title_zh": "", "title_ru": ""},
        "category": {"category": "nonsense"},
        "lifecycle_status": {"lifecycle_status": "nonsense"},
        "countries": {"countries": ["XX"]},
        "tags": {"tags": "x" * 60},
        "planned_start": {"planned_start": "31.02.2026"},
        "planned_end": {"planned_end": "2026-99-01"},
        # Cross-field: the end before the start (its error is on the end).
        "actual_start": {"actual_start": "2026-05-01"},
        "actual_end": {"actual_end": "2026-01-01"},
        "locations": rows("locations", {"name": "Almaty", "lat": "200", "lon": "76.89"}),
        "zones": {"zones": "CN-NOWHERE"},
        "related_projects": rows(
            "related_projects", {"identifier": "CN-NOWHERE", "kind": "parent"}
        ),
        "budget_amount": {"budget_amount": "12.34,5.6"},
        "budget_currency": {"budget_currency": "ZZZ"},
        "website": {"website": "not a web address"},
        "documents": rows("documents", {"title": "Report", "url": "not-a-url"}),
    },
    Zone: {
        "name": {"name_en": "", "name_zh": "", "name_ru": ""},
        "kind": {"kind": "nonsense"},
        "countries": {"countries": ["XX"]},
        "tags": {"tags": "x" * 60},
        "geometry": {"geometry": "{not json"},
        "border_crossings": {"border_crossings": "y" * 201},
        "established_on": {"established_on": "yesterday"},
        "governing_body": {"governing_body": LONG},
        "lifecycle_status": {"lifecycle_status": "nonsense"},
    },
    Contact: {
        "kind": {"kind": "nonsense"},
        "name": {"name_en": "", "name_zh": "", "name_ru": ""},
        "provider": {"provider": LONG},
        "phone": {"phone": "12"},
        "email": {"email": "not-an-email"},
        "website": {"website": "not a web address"},
        "languages": {"languages": "xx1"},
        "hours": {"hours": LONG},
        "countries": {"countries": ["XX"]},
        "countries_covered": {"countries_covered": ["XX"]},
        "tags": {"tags": "x" * 60},
        "zones": {"zones": "CN-NOWHERE"},
        "projects": {"projects": "CN-NOWHERE"},
        "valid_from": {"valid_from": "2026-05-01"},
        "valid_until": {"valid_until": "2026-01-01"},
    },
}

# Fields no typed value makes wrong, with the reason; the start of a date pair whose order is
# wrong carries no error itself (the end does).
NEVER_WRONG = {
    Project: {
        "summary": "free text in each language",
        "description": "free text in each language",
        "expected_outcomes": "free text in each language",
        "actual_start": "its error is on actual_end, which is before it",
    },
    Zone: {
        "description": "free text in each language",
        "policies": "free text per policy topic",
    },
    Contact: {"valid_from": "its error is on valid_until, which is before it"},
}

URLS = {Project: "project-create", Zone: "zone-create", Contact: "contact-create"}
# The names no person writes (planned_start); "phone" or "geometry" are also plain words.
FIELD_NAMES = {name for fields in FIELDS.values() for name in fields if "_" in name}
NOT_LATIN = re.compile(r"[\u0400-\u04ff\u3400-\u9fff]")


def summary_lines(html: str) -> list[str]:
    block = re.search(r'id="error-summary">(.*?)</div>', html, re.S)
    assert block, "no error summary"
    return [
        unescape(re.sub(r"<[^>]+>", "", li)).strip()
        for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    ]


@pytest.mark.parametrize("model", [Project, Zone, Contact], ids=lambda m: m.__name__)
def test_every_field_is_covered(model):
    """A new field needs a wrong value here (or a reason): the walk below then includes it."""
    covered = set(WRONG[model]) | set(NEVER_WRONG[model])
    assert covered == set(FIELDS[model])
    groups = {group.name for group in RecordForm(model, creating=True).groups}
    assert groups == set(FIELDS[model])


@pytest.mark.parametrize("language", ["en", "zh-hans", "ru"])
@pytest.mark.parametrize("model", [Project, Zone, Contact], ids=lambda m: m.__name__)
def test_every_field_wrong_at_once(client, editor_a, model, language):
    client.force_login(editor_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = {**MANAGEMENT, "ref": "WRONG"}
    for values in WRONG[model].values():
        data.update(values)
    response = client.post(reverse(URLS[model]), data)
    assert response.status_code == 400
    lines = summary_lines(response.content.decode())
    expected = set(WRONG[model]) - set(NEVER_WRONG[model])
    with translation.override(language):
        for name in expected:
            label = str(LABELS[name])
            mine = [line for line in lines if line.startswith(f"{label}: ")]
            assert mine, f"{name}: no error under its label {label!r} in {lines}"
            for line in mine:
                message = line[len(label) + 2 :]
                assert not FIELD_NAMES & set(re.findall(r"[a-z_]+", message)), line
                if language != "en":
                    assert NOT_LATIN.search(message), f"{name}: {message!r} is not translated"
    assert len(lines) >= len(expected)


def test_dates_in_the_wrong_order_name_both_labels(client, editor_a):
    """The cross-field error reads with the labels, with the other fields' errors."""
    client.force_login(editor_a)
    data = {
        **MANAGEMENT,
        "title_en": "Train",
        "planned_start": "2026-05-01",
        "planned_end": "2026-01-01",
        "budget_currency": "ZZZ",
    }
    lines = summary_lines(client.post(reverse("project-create"), data).content.decode())
    assert "Planned end: Planned end cannot be before Planned start." in lines
    assert any(line.startswith("Budget currency: ") for line in lines)


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "1,200,000.50"), ("ru", "1 200 000,50"), ("zh-hans", "1200000.5")],
)
def test_amounts_as_people_type_them(client, editor_a, language, typed):
    client.force_login(editor_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = {**MANAGEMENT, "title_en": "Train", "budget_amount": typed, "budget_currency": "CNY"}
    response = client.post(reverse("project-create"), data)
    assert response.status_code == 302, summary_lines(response.content.decode())
    project = visible(Actor.for_user(editor_a), Project).get()
    assert project.budget_amount == Decimal("1200000.50")


@pytest.mark.parametrize(
    ("model", "title"),
    [
        (Project, {"title_zh": "西安至阿拉木图文旅专列"}),
        (Zone, {"name_en": "Khorgos"}),
        (Contact, {"name_ru": "Горячая линия"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_a_draft_saves_with_its_title_only(client, editor_a, model, title):
    client.force_login(editor_a)
    response = client.post(reverse(URLS[model]), {**MANAGEMENT, **title})
    assert response.status_code == 302, summary_lines(response.content.decode())
    record = visible(Actor.for_user(editor_a), model).get()
    assert record.workflow_state == "draft"
    # The record page lists what publishing needs, each marked done or still needed.
    page = client.get(f"/{model.record_type}/{record.identifier}/").content.decode()
    checklist = re.search(r'<ul class="checklist".*?</ul>', page, re.S).group(0)
    assert checklist.count('class="todo"') >= 1 and 'class="done"' in checklist
    assert str(LABELS["countries_covered" if model is Contact else "countries"]) in checklist
    # What publishing needs is asked at submit, all at once, on the form's fields.
    response = client.post(
        reverse("record-action", args=[model.record_type, record.identifier, "submit"])
    )
    assert response.status_code == 302 and response["Location"].endswith("/edit/?check=publish")
    form = client.get(response["Location"]).content.decode()
    summary = form.split('id="error-summary"')[1].split("</ul>")[0]
    assert summary.count("is needed to publish") >= 2, summary
    record.refresh_from_db()
    assert record.workflow_state == "draft"


def test_add_another_without_javascript(client, editor_a):
    """The "add another" button posts the form back with one more row, keeps what was typed,
    checks nothing and saves nothing."""
    client.force_login(editor_a)
    data = {
        **MANAGEMENT,
        "title_en": "Train",
        "planned_start": "not a date",
        **rows("locations", {"name": "Kashgar", "lat": "39.47", "lon": "75.99"}),
        "add_row": "locations",
    }
    response = client.post(reverse("project-create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="locations-1-name"' in html and 'value="Kashgar"' in html
    assert "error-summary" not in html
    assert not visible(Actor.for_user(editor_a), Project).exists()
    response = client.post(reverse("project-create"), {**data, "add_row": "participants"})
    assert 'name="participants-1-organization"' in response.content.decode()
    # Saved, the empty rows are no items.
    data.update({"add_row": "", "planned_start": "", "locations-1-name": "", "documents-0-url": ""})
    assert client.post(reverse("project-create"), data).status_code == 302
    project = visible(Actor.for_user(editor_a), Project).get()
    assert project.locations == [{"name": "Kashgar", "lat": 39.47, "lon": 75.99}]
