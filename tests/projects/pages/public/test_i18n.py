"""The pages in Chinese (simplified) and Russian (SPEC 7), and the catalogues they come from.

The .mo files are built by `make install` (compilemessages) and not committed; the session
fixture below builds them too when a test run starts from a fresh checkout without them.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = [LOCALE / language / "LC_MESSAGES" / "django.po" for language in ("zh_Hans", "ru")]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    if any(not path.with_suffix(".mo").exists() for path in CATALOGUES):
        call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)


def in_language(client, language: str, url: str) -> str:
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["项目", "合作区", "统计", "丝绸之路合作登记平台", "跳到主要内容"]),
        ("ru", ["Проекты", "Зоны", "Статистика", "Реестр сотрудничества Шёлкового пути"]),
    ],
)
def test_home_and_navigation_are_translated(client, world, language, expected):
    html = in_language(client, language, "/")
    for text in expected:
        assert text in html, text
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["旗舰项目", "筛选", "旅游专列", "哈萨克斯坦", "排序方式"]),
        ("ru", ["Флагманские проекты", "Уточнить", "Туристический поезд", "Казахстан"]),
    ],
)
def test_catalogue_labels_facets_and_countries_are_translated(client, world, language, expected):
    html = in_language(client, language, "/projects/")
    for text in expected:
        assert text in html, text


def test_record_text_falls_back_but_labels_are_russian(client, world):
    html = in_language(client, "ru", f"/projects/{world['festival'].identifier}/")
    assert "Алматинский фестиваль яблок" in html  # the record's own Russian title
    assert "Мероприятие или фестиваль" in html and "В подготовке" in html
    html = in_language(client, "ru", f"/projects/{world['train'].identifier}/")
    assert "Xi&#x27;an-Almaty cultural tourism train" in html  # no Russian title: English
    assert "Участники" in html


def test_stats_map_and_organizations_are_translated(client, world):
    assert "按类别统计的项目" in in_language(client, "zh-hans", "/stats/")
    assert "Карта зон и проектов" in in_language(client, "ru", "/map/")
    assert "友好城市" in in_language(client, "zh-hans", "/organizations/xian/")


def test_russian_plurals(client, world):
    html = in_language(client, "ru", "/projects/")
    assert "Найдено 2 записи" in html


def po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgstr(s), flags; enough to check it is complete."""
    entries, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current = None
            continue
        current = current or {"flags": "", "strings": {}, "key": None}
        if line.startswith("#,"):
            current["flags"] += line
        elif re.match(r"^(msgid|msgid_plural|msgstr(\[\d\])?|msgctxt) ", line):
            key, _, value = line.partition(" ")
            current["key"] = key
            current["strings"][key] = value.strip()[1:-1]
        elif line.startswith('"') and current["key"]:
            current["strings"][current["key"]] += line.strip()[1:-1]
    return entries


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_catalogue_has_no_empty_or_fuzzy_entry(path):
    entries = po_entries(path)
    assert len(entries) > 250
    for entry in entries:
        strings = entry["strings"]
        assert "fuzzy" not in entry["flags"], strings.get("msgid")
        if not strings.get("msgid"):
            continue  # the header
        translations = [value for key, value in strings.items() if key.startswith("msgstr")]
        assert translations and all(translations), f"untranslated: {strings['msgid']!r}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_translations_keep_their_placeholders(path):
    for entry in po_entries(path):
        strings = entry["strings"]
        wanted = set(re.findall(r"%\(\w+\)[sd]", strings.get("msgid", "")))
        for key, value in strings.items():
            if key.startswith("msgstr") and strings.get("msgid"):
                assert set(re.findall(r"%\(\w+\)[sd]", value)) == wanted, strings["msgid"]
