"""Each invalid field comes back as an error naming the field and the rule; nothing is saved."""

import pytest
from django.core.exceptions import ValidationError

from projects.domain import services
from projects.models import AuditEntry, Contact, Project, Zone
from registry.tenancy import Actor, NotAllowed
from tests.factories import member
from tests.projects.factories import DATA, KHORGOS_POLYGON, create, project_data

OPEN_RING = {"type": "Polygon", "coordinates": [[[80.3, 44.1], [80.5, 44.1], [80.5, 44.3]] * 2]}
LAT_FIRST = {
    "type": "Polygon",
    # Around Xi'an (34.34N 108.94E) written latitude first: 108.9 is no latitude.
    "coordinates": [[[34.3, 108.9], [34.4, 108.9], [34.4, 109.0], [34.3, 108.9]]],
}

# (model, field, bad value, a word of the expected message)
INVALID = [
    (Project, "countries", ["XX"], "ISO 3166-1"),
    (Project, "countries", "CN", "list"),
    (Project, "budget_currency", "YUAN", "ISO 4217"),
    (Project, "title", {"english": "Train"}, "ISO 639-1"),
    (Project, "title", {}, "blank"),
    (Project, "summary", {"en": ""}, "non-empty"),
    (Project, "category", "spaceport", "valid choice"),
    (Project, "lifecycle_status", "dreaming", "valid choice"),
    (Project, "planned_start", "next spring", "date"),
    (Project, "planned_start", 20250501, "date"),
    (Project, "locations", [{"name": "Xi'an", "lat": 108.94, "lon": 34.34}], "Latitude"),
    (Project, "locations", [{"lat": 34.3, "lon": 108.9}], "name"),
    (Project, "budget_amount", "a lot", "number"),
    (Project, "budget_amount", "-5", "greater than or equal"),
    (Project, "website", "not a url", "URL"),
    (Project, "documents", [{"title": "Plan", "url": "ftp://x"}], "URL"),
    (Project, "zones", ["KZ-NOWHERE-Z-1"], "No zone"),
    (Project, "related_projects", [{"identifier": "CN-X-1", "kind": "cousin"}], "parent"),
    (Project, "tags", ["x" * 60], "50 characters"),
    (Project, "colour", "red", "not a field"),
    (Zone, "geometry", {"type": "Point", "coordinates": [80.4, 44.2]}, "Polygon"),
    (Zone, "geometry", OPEN_RING, "closed"),
    (Zone, "geometry", LAT_FIRST, "longitude"),
    (Zone, "kind", "theme_park", "valid choice"),
    (Zone, "policies", {"free_beer": "yes"}, "policy"),
    (Zone, "established_on", "2025-02-30", "date"),
    (Contact, "phone", "8 727 200 0000", "E.164"),
    (Contact, "phone", "+7 727 200 00 00", "E.164"),
    (Contact, "email", "claims-at-example", "email"),
    (Contact, "languages", ["english"], "ISO 639-1"),
    (Contact, "countries_covered", ["KZ", "KZ"], "once"),
    (Contact, "hours", ["24/7"], "text"),
]


@pytest.mark.parametrize(("model", "field", "value", "rule"), INVALID)
def test_invalid_field_on_create(model, field, value, rule, org_a, editor_a):
    data = DATA[model](**{field: value})
    with pytest.raises(ValidationError) as error:
        services.create_record(Actor.for_user(editor_a), model, org_a, data)
    messages = error.value.message_dict
    assert field in messages, messages
    assert any(rule.lower() in message.lower() for message in messages[field]), messages
    assert not model.objects.unscoped("test").exists()
    assert not AuditEntry.objects.unscoped("test").exists()


@pytest.mark.parametrize(("model", "field", "value", "rule"), INVALID)
def test_invalid_field_on_update_changes_nothing(model, field, value, rule, org_a, editor_a):
    record = create(model, org_a, editor_a)
    with pytest.raises(ValidationError) as error:
        services.update_record(Actor.for_user(editor_a), record, {"tags": ["new"], field: value})
    assert field in error.value.message_dict
    record.refresh_from_db()
    assert record.version == 1
    assert record.tags == DATA[model]().get("tags", [])


@pytest.mark.parametrize(
    ("start", "end"),
    [("planned_start", "planned_end"), ("actual_start", "actual_end")],
)
def test_end_not_before_start(start, end, org_a, editor_a):
    data = project_data(**{start: "2026-01-02", end: "2026-01-01"})
    with pytest.raises(ValidationError) as error:
        services.create_record(Actor.for_user(editor_a), Project, org_a, data)
    assert "cannot be before" in error.value.message_dict[end][0]


def test_contact_valid_until_not_before_valid_from(org_a, editor_a):
    data = DATA[Contact](valid_from="2026-01-02", valid_until="2025-01-01")
    with pytest.raises(ValidationError) as error:
        services.create_record(Actor.for_user(editor_a), Contact, org_a, data)
    assert "valid_until" in error.value.message_dict


def test_budget_needs_currency(org_a, editor_a):
    with pytest.raises(ValidationError) as error:
        services.create_record(
            Actor.for_user(editor_a), Project, org_a, project_data(budget_currency="")
        )
    assert "budget_currency" in error.value.message_dict


def test_all_errors_come_back_at_once(org_a, editor_a):
    data = project_data(countries=["XX"], budget_currency="YUAN", category="spaceport")
    with pytest.raises(ValidationError) as error:
        services.create_record(Actor.for_user(editor_a), Project, org_a, data)
    assert {"countries", "budget_currency", "category"} <= set(error.value.message_dict)


def test_data_must_be_an_object(org_a, editor_a):
    with pytest.raises(ValidationError):
        services.create_record(Actor.for_user(editor_a), Project, org_a, ["title"])


def test_given_ref_makes_the_identifier(org_a, editor_a):
    record = services.create_record(
        Actor.for_user(editor_a), Project, org_a, project_data(), ref="TRAIN-2025"
    )
    assert record.identifier == "CN-XIAN-TRAIN-2025"
    assert record.ref == "TRAIN-2025"


@pytest.mark.parametrize("ref", ["bad ref", "-leading", "x" * 61, "ü"])
def test_invalid_ref(ref, org_a, editor_a):
    with pytest.raises(ValidationError) as error:
        services.create_record(Actor.for_user(editor_a), Project, org_a, project_data(), ref=ref)
    assert "ref" in error.value.message_dict


def test_identifier_unique_across_record_types(org_a, editor_a):
    services.create_record(Actor.for_user(editor_a), Zone, org_a, DATA[Zone](), ref="KHORGOS")
    with pytest.raises(ValidationError) as error:
        services.create_record(
            Actor.for_user(editor_a), Project, org_a, project_data(), ref="KHORGOS"
        )
    assert "already in use" in error.value.message_dict["ref"][0]


def test_identifier_is_immutable(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    for change in ({"identifier": "CN-XIAN-OTHER"}, {"ref": "OTHER"}):
        with pytest.raises(ValidationError) as error:
            services.update_record(Actor.for_user(editor_a), record, change)
        assert "immutable" in error.value.message_dict["identifier"][0]
    record.refresh_from_db()
    assert record.identifier == "CN-XIAN-P-0001"


def test_server_fields_in_the_body_are_ignored(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    updated = services.update_record(
        Actor.for_user(editor_a),
        record,
        {"workflow_state": "published", "version": 99, "organization": "almaty", "tags": ["a"]},
    )
    assert (updated.workflow_state, updated.version, updated.tags) == ("draft", 2, ["a"])
    assert updated.organization_id == org_a.pk


def test_links_by_identifier(org_a, org_b, editor_a):
    zone = create(Zone, org_a, editor_a)
    other = create(Project, org_a, editor_a)
    project = services.create_record(
        Actor.for_user(editor_a),
        Project,
        org_a,
        project_data(
            zones=[zone.identifier],
            related_projects=[{"identifier": other.identifier, "kind": "parent"}],
        ),
    )
    contact = services.create_record(
        Actor.for_user(editor_a),
        Contact,
        org_a,
        DATA[Contact](zones=[zone.identifier], projects=[project.identifier]),
    )
    from projects.domain.content import content_of

    assert content_of(project)["zones"] == [zone.identifier]
    assert content_of(project)["related_projects"] == [
        {"identifier": other.identifier, "kind": "parent"}
    ]
    assert content_of(contact)["projects"] == [project.identifier]


def test_cannot_link_another_organizations_draft(org_a, org_b, editor_a):
    their_zone = create(Zone, org_b, member(org_b, "editor"))
    with pytest.raises(ValidationError) as error:
        services.create_record(
            Actor.for_user(editor_a), Project, org_a, project_data(zones=[their_zone.identifier])
        )
    assert "No zone" in error.value.message_dict["zones"][0]


def test_project_cannot_relate_to_itself(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    with pytest.raises(ValidationError) as error:
        services.update_record(
            Actor.for_user(editor_a),
            record,
            {"related_projects": [{"identifier": record.identifier, "kind": "sibling"}]},
        )
    assert "itself" in error.value.message_dict["related_projects"][0]


def test_geometry_round_trip(org_a, editor_a):
    zone = create(Zone, org_a, editor_a)
    assert zone.geometry == KHORGOS_POLYGON


def test_viewer_cannot_create_or_edit(org_a, editor_a):
    viewer = member(org_a, "viewer")
    with pytest.raises(NotAllowed):
        services.create_record(Actor.for_user(viewer), Project, org_a, project_data())
    record = create(Project, org_a, editor_a)
    with pytest.raises(NotAllowed):
        services.update_record(Actor.for_user(viewer), record, {"tags": []})


def test_read_only_api_key_cannot_write(org_a, editor_a):
    actor = Actor.for_user(editor_a, organization_id=org_a.pk, scopes={"read"})
    with pytest.raises(NotAllowed) as error:
        services.create_record(actor, Project, org_a, project_data())
    assert "write scope" in error.value.message


ODD_VALUES = [None, 0, 1.5, True, "text", [], ["x"], {}, {"en": 1}, [{"a": 1}], "9" * 300]


@pytest.mark.parametrize("model", [Project, Zone, Contact])
def test_no_input_breaks_the_service(model, org_a, editor_a):
    """Any JSON value in any field is either accepted or refused as a field error."""
    from projects.domain.content import FIELDS

    actor = Actor.for_user(editor_a)
    for field in FIELDS[model]:
        for value in ODD_VALUES:
            try:
                record = services.create_record(actor, model, org_a, DATA[model](**{field: value}))
            except ValidationError as error:
                assert error.message_dict, (field, value)
            else:
                services.delete_record(actor, record)


def test_bad_ref_and_bad_fields_reported_together(org_a, editor_a):
    with pytest.raises(ValidationError) as error:
        services.create_record(
            Actor.for_user(editor_a), Project, org_a, project_data(countries=["XX"]), ref="bad ref"
        )
    assert {"ref", "countries"} <= set(error.value.message_dict)
