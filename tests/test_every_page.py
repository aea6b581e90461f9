"""Every page, as every role, in every language: no server error, no label left in English.

The pages are those of tests/site_pages.py (a walk of the URL resolver; a new route fails
`test_every_route_is_known` until tests/site_pages.py says how to fill its arguments, or why it
is no page). Each is requested with Django's test client as anonymous, viewer, editor, organization
admin, reviewer and platform admin, in English, Chinese and Russian.

In Chinese and Russian, every msgid of the project's catalogue (locale/<lang>/LC_MESSAGES/
django.po) that has a translation of its own must not appear as a whole text node of the page
(nor as a placeholder, aria-label, alt or title): that would be a label the template forgot to
mark for translation, or one the catalogue lacks. The dataset's record texts are left out first.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from tests.site_pages import ROLES, page_dataset, page_urls, unknown_routes

LANGUAGES = ("en", "zh-hans", "ru")
TRANSLATED = ("zh-hans", "ru")
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


def test_every_route_is_known():
    assert unknown_routes() == [], "add these routes to tests/site_pages.py (PAGES or NOT_PAGES)"


# --- the catalogue ------------------------------------------------------------------------------


def _unquote(line: str) -> str:
    text = line.strip()
    assert text.startswith('"') and text.endswith('"'), line
    return text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def parse_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr (plural: msgid_plural -> msgstr[0] too) of a .po file; fuzzy entries
    count as untranslated, as Django ignores them. A minimal parser for what makemessages writes."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = None
    fuzzy = False

    def flush():
        nonlocal current, fuzzy
        if current.get("msgid"):
            translation = "" if fuzzy else current.get("msgstr", current.get("msgstr[0]", ""))
            entries[current["msgid"]] = translation
            if current.get("msgid_plural"):
                plural = "" if fuzzy else current.get("msgstr[1]", "")
                entries[current["msgid_plural"]] = plural
        current, fuzzy = {}, False

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            key = None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += _unquote(line)
        else:
            key, _, rest = line.partition(" ")
            if key in ("msgid", "msgctxt") and current.get("msgstr") is not None:
                flush()
            current[key] = _unquote(rest)
    flush()
    return entries


def labels(language: str) -> set[str]:
    """The English msgids a page in `language` must not show: those that translate to
    something else (an entry translated to itself, like "API", may show as it is)."""
    path = LOCALE_DIR / language.replace("-hans", "_Hans") / "LC_MESSAGES" / "django.po"
    if not path.exists():
        path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"no catalogue for {language} in {LOCALE_DIR}"
    found = set()
    for msgid, msgstr in parse_po(path).items():
        if "%(" in msgid or "%s" in msgid or "<" in msgid or msgstr == msgid:
            continue
        text = normalize(msgid)
        if text and re.search("[A-Za-z]", text):
            found.add(text)
    return found


def test_the_po_parser_reads_multiline_plural_and_fuzzy_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: ru\\n"\n\n'
        '#: templates/x.html:1\nmsgid "Projects"\nmsgstr "Проекты"\n\n'
        'msgid ""\n"Long "\n"label"\nmsgstr "Длинная метка"\n\n'
        '#, fuzzy\nmsgid "Zones"\nmsgstr "Зоны"\n\n'
        'msgid "one record"\nmsgid_plural "many records"\n'
        'msgstr[0] "запись"\nmsgstr[1] "записи"\n',
        encoding="utf-8",
    )
    assert parse_po(po) == {
        "Projects": "Проекты",
        "Long label": "Длинная метка",
        "Zones": "",
        "one record": "запись",
        "many records": "записи",
    }


# --- the page's text ----------------------------------------------------------------------------


def normalize(text: str) -> str:
    return " ".join(text.split())


class TextNodes(HTMLParser):
    """The text nodes outside script/style, and the label-like attributes, each with the
    language of its nearest element that names one (`lang`)."""

    ATTRIBUTES = ("placeholder", "aria-label", "alt", "title")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[tuple[str, str | None]] = []
        self.skipping = 0
        self.languages: list[tuple[str, str]] = []  # (tag, lang) of the open elements with one

    @property
    def language(self):
        return self.languages[-1][1] if self.languages else None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        attributes = dict(attrs)
        if attributes.get("lang"):
            self.languages.append((tag, attributes["lang"]))
        for name in self.ATTRIBUTES:
            if attributes.get(name):
                self.nodes.append((normalize(attributes[name]), self.language))
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.nodes.append((normalize(attributes.get("value") or ""), self.language))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1
        if self.languages and self.languages[-1][0] == tag:
            self.languages.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.nodes.append((normalize(data), self.language))


def text_nodes(html: str, language: str | None = None) -> list[str]:
    """The text nodes; with `language`, only those in it (the language switcher names each
    language in itself, marked with `lang`: that English is no untranslated label)."""
    parser = TextNodes()
    parser.feed(html)
    wanted = (None, language)
    return [node for node, lang in parser.nodes if node and (language is None or lang in wanted)]


def test_text_nodes_are_whole_nodes_outside_scripts():
    html = (
        '<main><h1> Projects </h1><p>3 <b>Zones</b> here</p><script>"Projects"</script>'
        '<input type="submit" value="Save"><input placeholder="Search"></main>'
    )
    assert text_nodes(html) == ["Projects", "3", "Zones", "here", "Save", "Search"]
    switcher = '<html lang="ru"><p>Проекты</p><button lang="en">English</button><p>Зоны</p></html>'
    assert text_nodes(switcher, "ru") == ["Проекты", "Зоны"]


# Words a Chinese or Russian page may show in Latin letters: names of formats, standards, brands.
LATIN_ALLOWED = {
    "API",
    "CSV",
    "XLSX",
    "JSON",
    "GeoJSON",
    "IATI",
    "IATI XML",
    "XML",
    "OpenAPI",
    "Leaflet",
    "OpenStreetMap",
    "English",
    "E.164",
    "ISO",
    "URL",
    "HTTPS",
}


def looks_english(text: str) -> bool:
    """Latin letters only (with spaces and punctuation), four letters or more, no digits or
    symbols that mark an identifier, an address or code, and not an allowed name."""
    if text in LATIN_ALLOWED or not re.fullmatch(r"[A-Za-z][A-Za-z ,.;:'’()!?-]*", text):
        return False
    if re.search(r"\w\.\w", text):  # a file or host name
        return False
    return sum(ch.isalpha() for ch in text) >= 4 and not text.isupper()


def test_looks_english():
    assert looks_english("Save draft") and looks_english("Projects")
    assert not any(
        looks_english(t) for t in ("项目", "Проекты", "CN-XIAN-P-0001", "CSV", "a@b.org", "KZ")
    )


# --- every page ---------------------------------------------------------------------------------


@pytest.fixture
def dataset(db):
    return page_dataset()


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def shown_text(html: str, dataset, language: str) -> set[str]:
    """The page's text nodes less the dataset's record texts (also as "en: ..." lines and as
    comma-separated lists)."""
    shown = set()
    for node in text_nodes(html, language):
        bare = re.sub(r"^(en|zh|ru): ", "", node)
        if node in dataset.texts or bare in dataset.texts:
            continue
        if all(part in dataset.texts for part in node.split(", ")):  # a list of record texts
            continue
        shown.add(node)
    return shown


def compiled_catalogues():
    """The .mo files: `make install` compiles them; a fresh checkout's test run does it here."""
    sources = list(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    if any(not path.with_suffix(".mo").exists() for path in sources):
        from django.core.management import call_command

        call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)


def walk(client, dataset, role, problems):
    """(language, name, url, html) of every page that answers 200 HTML; 5xx into `problems`."""
    compiled_catalogues()
    if role != "anonymous":
        client.force_login(dataset.users[role])
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for name, url in page_urls(dataset):
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{language} {url} ({name}): {response.status_code}")
                continue
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            yield language, name, url, body_of(response)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role_in_every_language(client, dataset, role):
    problems = []
    catalogue = {}
    for language in TRANSLATED:
        try:
            catalogue[language] = labels(language)
        except AssertionError as missing:  # still walk the pages for server errors
            problems.append(str(missing).splitlines()[0])
    for language, name, url, html in walk(client, dataset, role, problems):
        if f'<html lang="{language}"' not in html:
            problems.append(f"{language} {url}: <html lang> is not {language}")
        if language in catalogue:
            english = sorted(shown_text(html, dataset, language) & catalogue[language])
            if english:
                problems.append(f"{language} {url} ({name}): untranslated {english}")
    assert not problems, f"as {role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", ["anonymous", "org_admin", "reviewer"])
def test_no_english_text_on_chinese_and_russian_pages(client, dataset, role):
    """Labels missing from the catalogue altogether: Latin-only text on a Chinese or Russian
    page that is no record data and no allowed name (LATIN_ALLOWED)."""
    problems = []
    for language, name, url, html in walk(client, dataset, role, problems):
        if language in TRANSLATED:
            shown = shown_text(html, dataset, language)
            latin = sorted(node for node in shown if looks_english(node))
            if latin:
                more = f" and {len(latin) - 12} more" if len(latin) > 12 else ""
                problems.append(f"{language} {url} ({name}): {latin[:12]}{more}")
    assert not problems, f"English text as {role}:\n" + "\n".join(problems)
