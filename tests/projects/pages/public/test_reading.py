"""Reading the public pages (issue 18): the home page's figures agree with the catalogue they
link to, in each language's plural; text shown in a fallback language is marked with `lang` and
a note; a contact's countries are shown once when "Countries covered" says the same."""

import re

import pytest
from django.utils import translation

from projects.models import Contact, Project
from tests.projects.factories import create, place_in_state

pytestmark = pytest.mark.django_db


def figure(html: str, href_start: str) -> tuple[str, str, str]:
    """(the link, the number, the words) of the home page's figure linking to `href_start`."""
    match = re.search(
        rf'<a href="({re.escape(href_start)}[^"]*)"><span class="figure-value">(\d+)</span>'
        r'<span class="figure-label">([^<]*)</span>',
        html,
    )
    assert match, href_start
    return match.group(1), match.group(2), match.group(3)


def test_the_home_figures_count_what_their_catalogue_shows(client, org_a, editor_a):
    place_in_state(create(Project, org_a, editor_a, ref="ONE"), "published")
    place_in_state(create(Project, org_a, editor_a, ref="OLD"), "archived")
    html = client.get("/").content.decode()
    link, number, words = figure(html, "/projects/")
    assert (number, words) == ("1", "published project")
    catalogue = client.get(link.replace("&amp;", "&"))
    assert catalogue.context["page"].total == 1
    place_in_state(create(Project, org_a, editor_a, ref="TWO"), "published")
    html = client.get("/").content.decode()
    assert figure(html, "/projects/")[1:] == ("2", "published projects")


@pytest.mark.parametrize(
    "language, count, words",
    [
        ("ru", 1, "опубликованный проект"),
        ("ru", 3, "опубликованных проекта"),
        ("ru", 5, "опубликованных проектов"),
        ("zh-hans", 2, "已发布项目"),
    ],
)
def test_the_figures_speak_each_languages_plural(client, org_a, editor_a, language, count, words):
    for index in range(count):
        place_in_state(create(Project, org_a, editor_a, ref=f"P{index}"), "published")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert figure(html, "/projects/")[1:] == (str(count), words)


def test_a_description_in_a_fallback_language_is_marked(client, org_a, editor_a):
    train = place_in_state(create(Project, org_a, editor_a), "published")
    url = f"/projects/{train.identifier}/"
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # The title has Chinese: not marked; the summary is English only: marked, with a note.
    assert '<span lang="zh">' not in chinese and "西安至阿拉木图文旅专列" in chinese
    assert '<span lang="en">The first China-Central Asia cultural tourism train.</span>' in chinese
    assert "（原文为英文）" in chinese
    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "(на языке: Английский)" in russian
    english = client.get(url).content.decode()
    assert "fallback-note" not in english


def test_a_contact_shows_its_countries_once_when_they_agree(client, org_a, editor_a):
    same = place_in_state(
        create(
            Contact,
            org_a,
            editor_a,
            ref="SAME",
            countries=["KZ", "CN"],
            countries_covered=["CN", "KZ"],
        ),
        "published",
    )
    html = client.get(f"/contacts/{same.identifier}/").content.decode()
    assert html.count("Kazakhstan") == 1 and "Countries covered" not in html
    wider = place_in_state(create(Contact, org_a, editor_a, ref="WIDER"), "published")
    with translation.override("en"):
        html = client.get(f"/contacts/{wider.identifier}/").content.decode()
    assert "Countries covered" in html
