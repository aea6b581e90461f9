"""The dashboard (SPEC 5, 7): what waits for each user, in a constant number of queries."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.domain import participants, services
from projects.models import Contact, Participation, Project, Revision, Zone
from projects.pages import dashboard
from registry.tenancy import Actor
from tests.factories import member
from tests.projects.factories import act, create, place_in_state


def section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"')[1].split("</section>")[0]


def long_ago(record, months):
    type(record).objects.unscoped("test setup: an old confirmation").filter(pk=record.pk).update(
        confirmed_at=timezone.now() - timedelta(days=31 * months)
    )


@pytest.fixture
def waiting(org_a, org_b, editor_a, admin_a, reviewer):
    org_a.requires_signoff = True
    org_a.save()
    draft = create(Project, org_a, editor_a, title={"en": "A draft"})
    signoff = create(Zone, org_a, editor_a)
    act(editor_a, signoff, "submit")
    changes = create(Contact, org_a, editor_a)
    place_in_state(changes, "changes_requested")
    under_review = create(Project, org_a, editor_a, title={"en": "Under review"})
    place_in_state(under_review, "submitted", submitted_by=editor_a)
    stale = place_in_state(create(Project, org_a, editor_a, title={"en": "Old news"}), "published")
    long_ago(stale, 13)
    requested = create(Project, org_b, member(org_b, "editor"))
    participants.add_participant(Actor.for_user(requested.created_by), requested, org_a, "partner")
    return {
        "draft": draft,
        "signoff": signoff,
        "changes": changes,
        "under_review": under_review,
        "stale": stale,
        "requested": requested,
    }


def test_dashboard_lists_what_waits_for_each_role(
    client, waiting, editor_a, admin_a, reviewer, editor_b, outsider
):
    assert client.get(reverse("dashboard"))["Location"].startswith("/accounts/login/")
    client.force_login(editor_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert waiting["draft"].identifier in section(page, "drafts")
    assert waiting["changes"].identifier in section(page, "changes-requested")
    assert waiting["stale"].identifier in section(page, "stale")
    reconfirm = reverse(
        "record-action", args=["projects", waiting["stale"].identifier, "reconfirm"]
    )
    assert reconfirm in section(page, "stale")
    # An editor signs nothing off and answers no participation request; no review section.
    assert waiting["signoff"].identifier not in section(page, "signoffs")
    assert waiting["requested"].identifier not in section(page, "participation-requests")
    assert 'id="reviews"' not in page

    client.force_login(admin_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert waiting["signoff"].identifier in section(page, "signoffs")
    assert waiting["requested"].identifier in section(page, "participation-requests")

    client.force_login(reviewer)
    page = client.get(reverse("dashboard")).content.decode()
    reviews = section(page, "reviews")
    assert waiting["under_review"].identifier in reviews
    assert (
        reverse("record-review", args=["projects", waiting["under_review"].identifier]) in reviews
    )
    # Drafts and records awaiting their organization's sign-off never reach the reviewer.
    assert waiting["draft"].identifier not in page
    assert waiting["signoff"].identifier not in page

    # Reconfirmed from the dashboard, the record is current again and leaves the list.
    client.force_login(editor_a)
    response = client.post(reconfirm, {"next": reverse("dashboard")})
    assert response["Location"] == reverse("dashboard")
    page = client.get(reverse("dashboard")).content.decode()
    assert waiting["stale"].identifier not in section(page, "stale")

    # Another organization sees none of it.
    for user in (editor_b, outsider):
        client.force_login(user)
        page = client.get(reverse("dashboard")).content.decode()
        for record in ("draft", "signoff", "changes", "under_review", "stale"):
            assert waiting[record].identifier not in page


def fill(organization, editor, count):
    """`count` records in every state the dashboard lists, and as many published revisions."""
    actor = Actor.for_user(editor)
    for index in range(count):
        model = (Project, Zone, Contact)[index % 3]
        record = create(model, organization, editor)
        state = ("draft", "changes_requested", "pending_signoff", "submitted", "published")[
            index % 5
        ]
        place_in_state(record, state, submitted_by=editor if state != "draft" else None)
        if state == "published":
            long_ago(record, 13 if index % 2 else 1)
            if model is Zone:
                services.update_record(actor, record, {"governing_body": f"Board {index}"})


def dashboard_queries(client, user) -> tuple[int, int]:
    """(queries, items listed) of the user's dashboard."""
    client.force_login(user)
    client.get(reverse("dashboard"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    waiting = response.context["sections"]
    listed = sum(
        len(getattr(waiting, name))
        for name in ("drafts", "changes_requested", "signoffs", "reviews", "stale")
    )
    return len(queries), listed


def test_dashboard_queries_do_not_grow_with_the_records(client, org_a, editor_a, admin_a, reviewer):
    fill(org_a, editor_a, 5)
    few = {user: dashboard_queries(client, user) for user in (admin_a, reviewer)}
    fill(org_a, editor_a, 100)
    for user in (admin_a, reviewer):
        queries, listed = dashboard_queries(client, user)
        assert listed > few[user][1] + 15, user.username  # many more rows on the page ...
        assert queries == few[user][0], user.username  # ... and not one more query


def test_what_i_sent_stays_until_published_and_my_drafts_are_mine(
    client, org_a, editor_a, admin_a, reviewer
):
    """Issue 18: "My drafts" lists mine, the organization's others are a list of their own; what
    I submitted stays on my dashboard with its state until it is published."""
    org_a.requires_signoff = True
    org_a.save()
    colleague = member(org_a, "editor", username="colleague")
    mine = create(Project, org_a, editor_a, ref="MINE")
    theirs = create(Zone, org_a, colleague, ref="THEIRS")
    sent = create(Contact, org_a, editor_a, ref="SENT")
    client.force_login(editor_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert mine.identifier in section(page, "drafts")
    assert theirs.identifier not in section(page, "drafts")
    assert theirs.identifier in section(page, "organization-drafts")

    act(editor_a, sent, "submit")
    page = client.get(reverse("dashboard")).content.decode()
    assert sent.identifier in section(page, "sent") and "Awaiting sign-off" in section(page, "sent")
    act(admin_a, sent, "signoff")
    page = client.get(reverse("dashboard")).content.decode()
    assert sent.identifier in section(page, "sent")
    assert "Submitted" in section(page, "sent")
    # The colleague did not send it: it is not on their list.
    client.force_login(colleague)
    assert sent.identifier not in section(client.get(reverse("dashboard")).content.decode(), "sent")
    act(reviewer, sent, "reject", comment="Not a contact of the registry.")
    client.force_login(editor_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Not a contact of the registry." in section(page, "sent")
    # Published: no longer waiting, no longer listed.
    other = create(Contact, org_a, editor_a, ref="OTHER")
    act(editor_a, other, "submit")
    act(admin_a, other, "signoff")
    act(reviewer, other, "approve")
    page = client.get(reverse("dashboard")).content.decode()
    assert other.identifier not in section(page, "sent")


# --- Issue 21: each list counted in SQL, its first items shown, the rest paged by a cursor ---


def key(item) -> tuple:
    """(kind, pk, the organization whose item it is) of a dashboard item."""
    if isinstance(item, Participation):
        return ("participation", item.pk, item.participant_id)
    return (item.record.record_type, item.record.pk, item.record.organization_id)


def walk(client, name) -> tuple[list, set]:
    """Every item of one dashboard list, following its "Next page" links: ([(type, pk)],
    {the totals the pages gave})."""
    url = reverse("dashboard-list", args=[name.replace("_", "-")])
    seen, totals, following = [], set(), url
    while following:
        response = client.get(following)
        assert response.status_code == 200
        listing = response.context["listing"]
        totals.add(listing.total)
        seen += [key(item) for item in listing.items]
        found = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        following = url + html.unescape(found.group(1)) if found else None
        assert len(seen) <= listing.total  # never an endless walk
    return seen, totals


def everything(model_filter, revision_filter) -> int:
    """The oracle: records of every type, and open revisions, matching the filters, counted
    one by one without the dashboard's code."""
    found = sum(
        model.objects.unscoped("test oracle").filter(**model_filter).count()
        for model in (Project, Zone, Contact)
    )
    if revision_filter is not None:
        found += Revision.objects.unscoped("test oracle").filter(**revision_filter).count()
    return found


def test_every_list_counts_all_and_its_pages_walk_every_item_once(
    client, monkeypatch, org_a, org_b, editor_a, admin_a, reviewer, editor_b
):
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 4)
    fill(org_a, editor_a, 30)
    fill(org_b, editor_b, 10)
    for _ in range(6):  # org B names org A on six projects: org A's admins answer
        project = create(Project, org_b, editor_b)
        participants.add_participant(Actor.for_user(editor_b), project, org_a, "partner")
    # Ties on updated_at across record types: the cursor must still neither skip nor repeat.
    moment = timezone.now() - timedelta(days=3)
    for model in (Project, Zone, Contact):
        rows = model.objects.unscoped("test setup: ties").annotate(odd=F("pk") % 2)
        rows.filter(odd=0).update(updated_at=moment)
    old = timezone.now() - timedelta(days=31 * 11)
    expected = {
        editor_a: {
            "drafts": everything(
                {"organization": org_a, "workflow_state": "draft", "created_by": editor_a},
                {"organization": org_a, "state": "draft", "created_by": editor_a},
            ),
            "changes_requested": everything(
                {"organization": org_a, "workflow_state": "changes_requested"},
                {"organization": org_a, "state": "changes_requested"},
            ),
            "sent": everything(
                {
                    "organization": org_a,
                    "submitted_by": editor_a,
                    "workflow_state__in": ["pending_signoff", "submitted", "rejected"],
                },
                {
                    "organization": org_a,
                    "submitted_by": editor_a,
                    "state__in": ["pending_signoff", "submitted", "rejected"],
                },
            ),
            "stale": everything(
                {"organization": org_a, "workflow_state": "published", "confirmed_at__lt": old},
                None,
            ),
        },
        admin_a: {
            "participation_requests": Participation.objects.unscoped("test oracle")
            .filter(participant=org_a, status="pending")
            .count(),
            "signoffs": everything(
                {"organization": org_a, "workflow_state": "pending_signoff"},
                {"organization": org_a, "state": "pending_signoff"},
            ),
        },
        reviewer: {
            "reviews": everything({"workflow_state": "submitted"}, {"state": "submitted"}),
        },
        editor_b: {
            "drafts": everything(
                {"organization": org_b, "workflow_state": "draft", "created_by": editor_b},
                {"organization": org_b, "state": "draft", "created_by": editor_b},
            ),
        },
    }
    for user, totals in expected.items():
        client.force_login(user)
        sections = client.get(reverse("dashboard")).context["sections"]
        names = dashboard.list_names(Actor.for_user(user))
        assert set(totals) <= set(names), user.username
        for name in names:
            listing = getattr(sections, name)
            seen, page_totals = walk(client, name)
            assert len(seen) == len(set(seen)) == listing.total, (user.username, name)
            assert page_totals == {listing.total}
            if name in totals:
                assert listing.total == totals[name], (user.username, name)
            # The dashboard shows the list's first page.
            shown = [key(item) for item in listing]
            assert shown == seen[:4]
            if name != "reviews":  # the review queue is the secretariat's, across organizations
                own = {org_a.pk} if user != editor_b else {org_b.pk}
                assert {organization for *_, organization in seen} <= own, (user.username, name)
    assert expected[editor_a]["drafts"] > 4 and expected[reviewer]["reviews"] > 4  # paged
    assert expected[admin_a]["participation_requests"] == 6


def list_queries(client, path) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_a_list_page_costs_the_same_queries_as_the_rows_grow(client, monkeypatch, org_a, editor_a):
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 3)
    client.force_login(editor_a)
    fill(org_a, editor_a, 10)  # a few items in each list (none would save a query)
    paths = [reverse("dashboard-list", args=[name]) for name in ("drafts", "stale", "sent")]
    few = [list_queries(client, path) for path in paths]
    fill(org_a, editor_a, 60)
    assert [list_queries(client, path) for path in paths] == few


def test_a_list_that_is_not_mine_or_a_bad_cursor(client, org_a, editor_a, outsider, editor_b):
    stale_list = reverse("dashboard-list", args=["stale"])
    assert client.get(stale_list)["Location"].startswith("/accounts/login/")
    client.force_login(editor_a)
    assert client.get(reverse("dashboard-list", args=["nothing-such"])).status_code == 404
    assert client.get(reverse("dashboard-list", args=["reviews"])).status_code == 404  # no reviewer
    draft = create(Project, org_a, editor_a)
    for cursor in (
        "garbage",
        "2026-01-01~projects~x",
        "2026-01-01T00:00:00~projects~1",  # no time zone
        "~~",
        "2026-01-01T00:00:00+00:00~projects~99999999999999999999999",
        "2026-01-01T00:00:00+00:00~nothing~1",
    ):
        response = client.get(reverse("dashboard-list", args=["drafts"]), {"cursor": cursor})
        assert response.status_code == 200
        assert draft.identifier in response.content.decode()  # a bad cursor: the first page
    # Someone without an organization to edit for has no drafts list at all.
    client.force_login(outsider)
    assert client.get(reverse("dashboard-list", args=["drafts"])).status_code == 404
    # Another organization's editor, even with a cursor taken from this one's list, sees none of it.
    client.force_login(editor_b)
    cursor = dashboard.encode_cursor(draft)
    page = client.get(reverse("dashboard-list", args=["drafts"]), {"cursor": cursor})
    assert page.status_code == 200 and draft.identifier not in page.content.decode()


def stale_projects(org, editor, how_many) -> list:
    found = []
    for number in range(how_many):
        record = create(Project, org, editor, title={"en": f"Old news {number}"})
        found.append(place_in_state(record, "published"))
        long_ago(found[-1], 13)
    return found


def test_records_to_reconfirm_are_counted_up_to_a_bound_and_all_listed(
    client, monkeypatch, org_a, editor_a
):
    """The records to reconfirm grow with all that is published: past COUNTED_AT_MOST the
    count stops and the page says "more than"; the list's pages still hold every one."""
    monkeypatch.setattr(dashboard, "COUNTED_AT_MOST", 2)
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)
    client.force_login(editor_a)
    stale = stale_projects(org_a, editor_a, 2)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<span class="count">2</span>' in section(page, "stale")
    assert "more than" not in page

    stale += stale_projects(org_a, editor_a, 1)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<span class="count">more than 2</span>' in section(page, "stale")
    assert "See them all" in section(page, "stale")
    listed = client.get(reverse("dashboard-list", args=["stale"])).content.decode()
    assert '<span class="count">more than 2</span>' in listed
    seen, _totals = walk(client, "stale")
    assert sorted(pk for _type, pk, _org in seen) == sorted(record.pk for record in stale)

    russian = client.get(reverse("dashboard"), headers={"accept-language": "ru"}).content.decode()
    assert '<span class="count">более 2</span>' in section(russian, "stale")
