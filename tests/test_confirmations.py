"""Every POST-only page route asks for confirmation before it acts, or says why it need not
(issue 18: "confirmation before irreversible actions").

The walk finds the POST-only routes by asking each page route by GET as a signed-in user (405:
POST only), so a new one fails here until its view is marked: `registry.views.asks_confirmation`
(and shows `confirm_first`'s page), or `registry.views.reversible("the reason")`.
"""

import pytest
from django.urls import reverse

from tests.factories import member
from tests.test_page_routes import ROUTE_ARGS, page_routes

# The irreversible ones of issue 18's findings: each must ask, not merely be declared.
MUST_ASK = {
    "member-remove",
    "api-key-revoke",
    "sister-city-answer",
    "record-delete",
    "record-discard-revision",
    "record-decision",
    "record-action",
    "participation-answer",
}


def post_only_routes(client) -> dict:
    found = {}
    for name, pattern in page_routes():
        url = reverse(name, args=ROUTE_ARGS.get(name, []))
        if client.get(url).status_code == 405:
            found[name] = pattern.callback
    return found


@pytest.fixture
def signed_in(client, platform_admin):
    client.force_login(platform_admin)
    return client


def test_every_post_only_route_asks_first_or_says_why_not(signed_in):
    routes = post_only_routes(signed_in)
    assert set(routes) >= MUST_ASK, sorted(MUST_ASK - set(routes))
    unmarked = [
        name
        for name, view in routes.items()
        if not getattr(view, "asks_confirmation", False) and not getattr(view, "reversible", "")
    ]
    assert unmarked == [], f"mark these views asks_confirmation or reversible(reason): {unmarked}"
    for name in MUST_ASK:
        assert getattr(routes[name], "asks_confirmation", False), name
    for name, view in routes.items():
        reason = getattr(view, "reversible", "")
        assert reason == "" or len(reason) > 20, f"{name}: say why no confirmation is needed"


def test_the_walk_finds_what_it_should(signed_in):
    """The walk is not empty by accident: GET pages are not POST-only, POST-only ones are."""
    routes = post_only_routes(signed_in)
    assert "dashboard" not in routes and "members" not in routes
    assert {"logout", "switch_organization", "member-role"} <= set(routes)


@pytest.mark.parametrize("language", ["zh-hans", "ru"])
def test_the_confirmation_page_and_the_decision_form_speak_the_readers_language(
    client, org_a, admin_a, editor_a, language
):
    """No English left on the new pages of issue 18 in Chinese and Russian."""
    from projects.models import Project
    from tests.projects.factories import create, place_in_state
    from tests.test_every_page import looks_english, text_nodes

    newcomer = member(org_a, "editor", username="newcomer")
    client.force_login(admin_a)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    asked = client.post(reverse("member-remove", args=[newcomer.pk]), **headers)
    assert asked.status_code == 200 and asked.context["carried"] == []
    project = place_in_state(create(Project, org_a, editor_a), "published")
    decision = client.get(f"/projects/{project.identifier}/", **headers)
    archive = client.post(
        reverse("record-decision", args=["projects", project.identifier]),
        {"action": "archive", "comment": "Закрыт. 已结束。"},
        **headers,
    )
    assert archive.status_code == 200
    for response in (asked, decision, archive):
        html = response.content.decode()
        main = html[html.index("<main") :]
        if 'id="record-actions"' in main:  # the record page: its data is the record's own words
            main = main[main.index('id="record-actions"') :]
            main = main[: main.index("</form>", main.index('id="decision-form"'))]
        latin = [
            node
            for node in text_nodes(main, language.split("-")[0])
            if looks_english(node) and node not in ("newcomer", "admin-a", "editor-a")
        ]
        assert latin == [], latin
