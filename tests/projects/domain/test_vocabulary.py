"""The vocabulary (projects/choices.py, accounts' and the roles' choices) and the glossary.

Every value of every vocabulary has its word, translated in both catalogues (locale/*.po); the
glossary (docs/glossary.md) gives the workflow's and the roles' words in the three languages,
and the code's English and the catalogues' translations are exactly those.
"""

import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.utils import translation

from accounts import models as account_models
from projects import choices
from projects.domain.content import FIELD_LABELS, FIELDS
from projects.models import Contact, Project, Zone
from registry import tenancy

ROOT = Path(settings.BASE_DIR)
LANGUAGES = {"zh": "zh_Hans", "ru": "ru"}
GLOSSARY_KINDS = {
    "Workflow state": choices.WorkflowState,
    "Revision state": choices.RevisionState,
    "Workflow action": choices.WorkflowAction,
    "Project lifecycle": choices.ProjectLifecycle,
    "Zone lifecycle": choices.ZoneLifecycle,
    "Record type": choices.RecordType,
    "Membership role": tenancy.MembershipRole,
    "Platform role": tenancy.PlatformRole,
    "Participant role": choices.ParticipantRole,
}


def vocabularies() -> list[type[models.TextChoices]]:
    found = []
    for module in (choices, account_models, tenancy):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, models.TextChoices) and value.__module__ == module.__name__:
                found.append(value)
    return found


def unquote(text: str) -> str:
    return text.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n")


def catalogue(language: str, root: Path = ROOT) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> msgstr of a .po file (fuzzy entries count as untranslated)."""
    path = root / "locale" / LANGUAGES[language] / "LC_MESSAGES" / "django.po"
    entries, entry, key = {}, {}, None

    def flush():
        if entry.get("msgid"):
            text = "" if entry.get("fuzzy") else entry.get("msgstr", "")
            entries[(entry.get("msgctxt"), entry["msgid"])] = text

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
            entry, key = {}, None
        elif line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            entry[key] += unquote(line)
        else:
            key, _, rest = line.partition(" ")
            entry[key] = unquote(rest)
    return entries


@pytest.fixture(scope="module")
def catalogues():
    return {language: catalogue(language) for language in LANGUAGES}


def catalogue_key(label) -> tuple[str | None, str]:
    """The (context, msgid) a lazy label is looked up by."""
    arguments = label._args
    return (arguments[0], arguments[1]) if len(arguments) == 2 else (None, arguments[0])


def test_the_catalogue_parser_reads_contexts_multiline_and_fuzzy_entries(tmp_path):
    po = tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: ru\\n"\n\n'
        'msgctxt "zone status"\nmsgid "Closed"\nmsgstr "Закрыта"\n\n'
        'msgid ""\n"Long "\n"label"\nmsgstr ""\n"Длинная "\n"метка"\n\n'
        '#, fuzzy\nmsgid "Zones"\nmsgstr "Зоны"\n',
        encoding="utf-8",
    )
    assert catalogue("ru", tmp_path) == {
        ("zone status", "Closed"): "Закрыта",
        (None, "Long label"): "Длинная метка",
        (None, "Zones"): "",
    }


@pytest.mark.parametrize("vocabulary", vocabularies(), ids=lambda v: v.__name__)
def test_every_value_has_a_translated_word(vocabulary, catalogues):
    for value, label in vocabulary.choices:
        key = catalogue_key(label)
        assert key[1] and key[1][0].isupper(), f"{vocabulary.__name__}.{value}: sentence case"
        assert key[1] != value or not value.islower(), f"{vocabulary.__name__}.{value}: a word"
        for language, entries in catalogues.items():
            assert entries.get(key), f"{vocabulary.__name__}.{value} has no {language} word"


def test_the_vocabularies_are_found():
    names = {vocabulary.__name__ for vocabulary in vocabularies()}
    assert {"WorkflowState", "ZoneLifecycle", "OrganizationKind", "MembershipRole"} <= names


def test_the_same_value_reads_the_same_in_record_and_revision_states():
    for value in set(choices.WorkflowState.values) & set(choices.RevisionState.values):
        assert choices.WorkflowState(value).label == choices.RevisionState(value).label


def test_project_and_zone_lifecycles_are_two_vocabularies():
    assert choices.vocabulary_of(Project, "lifecycle_status") is choices.ProjectLifecycle
    assert choices.vocabulary_of(Zone, "lifecycle_status") is choices.ZoneLifecycle
    assert choices.vocabulary_of(Zone, "kind") is choices.ZoneKind
    assert choices.vocabulary_of(Contact, "kind") is choices.ContactKind
    assert choices.vocabulary_of(Project, "freshness") is choices.Freshness
    assert choices.vocabulary_of(Project, "title") is None
    assert choices.vocabulary_of(Project, "no_such_field") is None
    with translation.override("ru"):
        assert choices.field_value_label(Zone, "lifecycle_status", "closed") == "Закрыта"
        assert choices.field_value_label(Project, "lifecycle_status", "closed") == "Закрыт"
        assert choices.field_value_label(Zone, "lifecycle_status", "pipeline") == "pipeline"


def test_labels_of_values_and_of_no_value():
    with translation.override("en"):
        assert choices.label(choices.ProjectCategory, "tourism_train") == "Tourism train"
        assert choices.label(choices.ProjectCategory, "gone_since") == "gone_since"
        assert choices.label(choices.ProjectCategory, None) == ""
        assert choices.choices_of(Project, "category")[0] == ("tourism_train", "Tourism train")
        assert choices.choices_of(Project, "title") == []


@pytest.mark.parametrize("model", [Project, Zone, Contact], ids=lambda m: m.__name__)
def test_every_field_has_a_translated_label(model, catalogues):
    for name in FIELDS[model]:
        assert name in FIELD_LABELS, f"{model.__name__}.{name} has no label"
        for language, entries in catalogues.items():
            assert entries.get(catalogue_key(FIELD_LABELS[name])), (name, language)


# --- The glossary --------------------------------------------------------------------------------


def glossary_rows() -> list[dict]:
    rows = []
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in GLOSSARY_KINDS:
            kind, code, en, zh, ru = cells
            rows.append({"kind": kind, "code": code.strip("`"), "en": en, "zh": zh, "ru": ru})
    return rows


def test_the_glossary_has_every_word_of_its_vocabularies():
    listed = {(row["kind"], row["code"]) for row in glossary_rows()}
    for kind, vocabulary in GLOSSARY_KINDS.items():
        values = set(vocabulary.values) - {""}  # "no platform role" is no role
        if vocabulary is choices.RevisionState:
            values -= set(choices.WorkflowState.values)  # the record's words, listed above
        assert {code for k, code in listed if k == kind} == values, kind


@pytest.mark.parametrize("row", glossary_rows(), ids=lambda row: f"{row['kind']}:{row['code']}")
def test_the_code_and_the_catalogues_say_what_the_glossary_says(row, catalogues):
    label = GLOSSARY_KINDS[row["kind"]](row["code"]).label
    with translation.override("en"):
        assert str(label) == row["en"]
    for language, entries in catalogues.items():
        assert entries.get(catalogue_key(label)) == row[language], language


def test_planned_is_intended_not_urban_planning(catalogues):
    """The known wrong word: a planned zone is 计划中, not 规划中 (urban planning)."""
    assert catalogues["zh"][(None, "Planned")] == "计划中"
    assert not any(re.search("规划", text) for text in catalogues["zh"].values())
