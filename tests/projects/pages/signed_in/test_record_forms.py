"""The create and edit forms (SPEC 7): who may use them, field errors next to the field with
everything typed kept, editing in place or through a pending revision, the tenant boundary."""

import json

import pytest
from django.urls import reverse

from projects.models import Contact, Project, Zone
from registry.tenancy import Actor, visible
from tests.factories import member
from tests.projects.factories import KHORGOS_POLYGON, create, place_in_state
from tests.projects.pages.signed_in.helpers import current_form, project_form


def records(user, model):
    return list(visible(Actor.for_user(user), model))


def test_create_form_keeps_input_and_shows_field_errors(client, editor_a):
    client.force_login(editor_a)
    page = client.get(reverse("project-create"))
    assert page.status_code == 200
    html = page.content.decode()
    for label_for in (
        'for="id_title_en"',
        'for="id_title_zh"',
        'for="id_title_ru"',
        'for="id_countries_KZ"',
    ):
        assert label_for in html
    response = client.post(
        reverse("project-create"),
        project_form(
            title_en="",
            title_zh="",
            summary_en="Kept as typed",
            budget_currency="ZZZ",
            **{
                "locations-0-name": "Almaty",
                "locations-0-lat": "north",
                "locations-0-lon": "76.89",
            },
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    form = response.context["form"]
    # The summary lists every problem, each next to its field; nothing was created.
    assert 'role="alert"' in html and "Please correct the following" in html
    assert "latitude" in " ".join(form.group_errors["locations"])
    # ... and the services' errors on the fields the form could read, at the same time.
    assert set(form.group_errors) == {"locations", "title", "budget_currency"}
    assert 'aria-invalid="true"' in html
    assert "Kept as typed" in html and 'value="north"' in html
    assert records(editor_a, Project) == []
    # Once the shape is right, the services' own field errors come back by field.
    response = client.post(
        reverse("project-create"), project_form(title_en="", title_zh="", budget_currency="ZZZ")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.group_errors) >= {"title", "budget_currency"}
    assert 'id="error-title"' in response.content.decode()
    assert records(editor_a, Project) == []


def test_create_form_refuses_who_may_not_create(client, org_a, outsider):
    url = reverse("project-create")
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(member(org_a, "viewer"))
    assert client.get(url).status_code == 403
    assert client.post(url, project_form()).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_zone_and_contact_forms_create_drafts(client, editor_a):
    client.force_login(editor_a)
    zone = {
        "name_en": "Khorgos cross-border tourism zone",
        "kind": "cross_border_tourism_zone",
        "countries": ["CN", "KZ"],
        "geometry": "{not json",
        "border_crossings": "Khorgos; Nur Zholy",
        "lifecycle_status": "operational",
        "policies_visa_facilitation": "Visa-free stay inside the zone.",
    }
    response = client.post(reverse("zone-create"), zone)
    assert response.status_code == 400
    assert "not valid JSON" in " ".join(response.context["form"].group_errors["geometry"])
    assert "{not json" in response.content.decode()
    zone["geometry"] = json.dumps(KHORGOS_POLYGON)
    response = client.post(reverse("zone-create"), zone)
    assert response.status_code == 302
    [created] = records(editor_a, Zone)
    assert created.geometry == KHORGOS_POLYGON
    assert created.border_crossings == ["Khorgos", "Nur Zholy"]
    assert created.policies == {"visa_facilitation": "Visa-free stay inside the zone."}

    contact = {
        "kind": "insurance_claims",
        "name_en": "Travel insurance claims hotline",
        "name_ru": "Горячая линия страховых выплат",
        "phone": "12345",
        "languages": "en; ru",
        "countries_covered": ["KZ", "CN"],
    }
    response = client.post(reverse("contact-create"), contact)
    assert response.status_code == 400
    assert "phone" in response.context["form"].group_errors
    contact["phone"] = "+77272000000"
    response = client.post(reverse("contact-create"), contact)
    assert response.status_code == 302
    [created] = records(editor_a, Contact)
    assert created.name == {
        "en": "Travel insurance claims hotline",
        "ru": "Горячая линия страховых выплат",
    }
    assert created.countries == ["KZ", "CN"]  # taken from the countries covered


def test_editing_a_draft_changes_it_in_place(client, org_a, editor_a):
    project = create(Project, org_a, editor_a, title={"en": "Old title", "kk": "Ескі атау"})
    client.force_login(editor_a)
    url = reverse("project-edit", args=[project.identifier])
    data = current_form(client, url)
    assert data["title_en"] == "Old title"
    page = client.get(url).content.decode()
    for code in ("CN", "KZ"):
        assert f'value="{code}" id="id_countries_{code}" checked' in page
    data["title_en"] = "New title"
    response = client.post(url, data)
    assert response.status_code == 302
    project.refresh_from_db()
    # The language the form does not offer (Kazakh) is kept as it was.
    assert project.title == {"en": "New title", "kk": "Ескі атау"}
    assert project.workflow_state == "draft"
    # The same form posted again carries the old version: refused (412), nothing changes.
    data["title_en"] = "Stale edit"
    stale = client.post(url, data)
    assert stale.status_code == 412
    assert "changed since you loaded it" in stale.content.decode()
    project.refresh_from_db()
    assert project.title["en"] == "New title"


def test_editing_a_published_record_opens_a_revision(client, org_a, editor_a):
    zone = place_in_state(create(Zone, org_a, editor_a), "published")
    client.force_login(editor_a)
    url = reverse("zone-edit", args=[zone.identifier])
    data = current_form(client, url)
    data["governing_body"] = "Khorgos joint committee"
    response = client.post(url, data)
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.governing_body == ""  # the published content stays as it is
    client.logout()
    assert client.get(f"/api/v1/zones/{zone.identifier}/").json()["governing_body"] == ""
    client.force_login(editor_a)
    revision = client.get(f"/api/v1/zones/{zone.identifier}/").json()["pending_revision"]
    assert revision["content"]["governing_body"] == "Khorgos joint committee"
    # The form shows the proposal, not the published content, while the revision is open.
    assert current_form(client, url)["governing_body"] == "Khorgos joint committee"


def test_who_may_open_the_edit_form(client, org_a, org_b, editor_a, editor_b):
    contact = create(Contact, org_a, editor_a)
    url = reverse("contact-edit", args=[contact.identifier])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(editor_a)
    assert client.get(url).status_code == 200
    client.force_login(member(org_a, "viewer"))
    assert client.get(url).status_code == 403
    # Another organization's editor: the draft does not exist for them, GET or POST.
    client.force_login(editor_b)
    assert client.get(url).status_code == 404
    response = client.post(url, {"name_en": "Taken over", "kind": "consular"})
    assert response.status_code == 404
    contact.refresh_from_db()
    assert contact.name["en"] != "Taken over"
    # Published, they see it, but may not edit it: 403, and still nothing changes.
    place_in_state(contact, "published")
    assert client.get(url).status_code == 403
    assert client.post(url, {"name_en": "Taken over", "kind": "consular"}).status_code == 403
    contact.refresh_from_db()
    assert contact.name["en"] != "Taken over"


def test_adding_a_participant_from_the_edit_page(client, org_a, org_b, editor_a, editor_b):
    project = create(Project, org_a, editor_a)
    url = reverse("project-participant-add", args=[project.identifier])
    client.force_login(editor_b)
    assert client.post(url, {"organization": org_b.slug, "role": "partner"}).status_code == 404
    client.force_login(editor_a)
    response = client.post(url, {"organization": org_b.slug, "role": "partner"})
    assert response.status_code == 302
    edit = client.get(reverse("project-edit", args=[project.identifier])).content.decode()
    assert org_b.display_name in edit and "Unconfirmed" in edit
    # The same again is refused with a message, not an error page.
    again = client.post(url, {"organization": org_b.slug, "role": "partner"}, follow=True)
    assert "already takes part" in again.content.decode()
    missing_role = client.post(url, {"organization": org_b.slug}, follow=True)
    assert "Choose both the organization and its role" in missing_role.content.decode()


@pytest.mark.parametrize("name", ["project-create", "zone-create", "contact-create"])
def test_every_create_form_labels_each_input(client, editor_a, name):
    client.force_login(editor_a)
    response = client.get(reverse(name))
    form = response.context["form"]
    html = response.content.decode()
    for field in form:
        if field.name.startswith("countries"):
            # One checkbox per country, each with its label.
            for code in ("CN", "KZ", "FR"):
                assert f'for="id_{field.name}_{code}"' in html, field.name
        elif not field.is_hidden:
            assert f'for="{field.id_for_label}"' in html, field.name
    # The participants' formset is on the project form only.
    assert ("participants-TOTAL_FORMS" in html) == (name == "project-create")


def test_a_record_under_review_is_locked(client, org_a, editor_a):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    url = reverse("project-edit", args=[project.identifier])
    data_before = current_form(client, url)
    place_in_state(project, "submitted", submitted_by=editor_a)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be edited now" in html and 'name="title_en"' not in html
    assert "Withdraw" in html  # the way out is on the page
    data_before["title_en"] = "Changed under review"
    refused = client.post(url, {**data_before, "version": project.version})
    assert refused.status_code == 409
    assert "locked; withdraw it to edit" in refused.content.decode()
    project.refresh_from_db()
    assert project.title["en"] != "Changed under review"
