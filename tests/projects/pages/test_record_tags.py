"""The signed-in pages' tags (`{% load record_tags %}`): what a person may do with a record (as
the domain answers it) and a field's value as the diff shows it."""

from django.template import Context, Template
from django.utils import translation

from projects.domain import workflow
from projects.models import Project, Zone
from registry.tenancy import Actor
from tests.factories import member
from tests.projects.factories import create, place_in_state


def show(record, field: str, value, language: str = "en") -> str:
    source = "{% load record_tags %}{% show_value record field value as text %}{{ text }}"
    with translation.override(language):
        context = Context({"record": record, "field": field, "value": value})
        return Template(source).render(context)


def test_show_value_reads_the_records_own_vocabulary():
    # One code, two lifecycles: a zone is closed (Закрыта), a project closed (Закрыт).
    assert show(Zone(), "lifecycle_status", "closed", "ru") == "Закрыта"
    assert show(Project(), "lifecycle_status", "closed", "ru") == "Закрыт"
    assert show(Zone(), "lifecycle_status", "planned", "zh-hans") == "计划中"
    assert show(Project(), "category", "event_festival") == "Event or festival"
    assert show(Project(), "category", None) == "—"


def test_show_value_names_keys_countries_and_items():
    policies = {"visa_facilitation": "Visa-free stay.", "other": "Guides."}
    shown = show(Zone(), "policies", policies)
    assert shown == "Visa facilitation: Visa-free stay.\nOther: Guides."
    assert show(Project(), "title", {"zh": "专列"}, "en") == "Chinese: 专列"
    assert show(Project(), "countries", ["KZ"]) == "Kazakhstan (KZ)"
    location = [{"name": "Almaty", "lat": 43.2, "lon": 76.9}]
    assert show(Project(), "locations", location) == "Almaty (43.2, 76.9)"


def actions_of(rf, user, record) -> dict:
    request = rf.get(f"/{record.record_type}/{record.identifier}/")
    request.user = user
    source = "{% load record_tags %}{% record_actions record as actions %}"
    context = Context({"request": request, "record": record})
    Template(source).render(context)
    return context["actions"]


def test_record_actions_offer_what_the_domain_allows_and_say_why_not(rf, org_a, editor_a):
    record = create(Project, org_a, editor_a)
    actions = actions_of(rf, editor_a, record)
    assert [button.name for button in actions["buttons"]] == ["submit"]
    assert actions["edit_url"] and actions["delete_url"] and not actions["discard_url"]
    assert [option.name for option in actions["options"]] == list(workflow.TRANSITIONS)
    refused = {option.name: option.reason for option in actions["options"] if not option.allowed}
    assert refused["approve"] == "Only the reviewer may approve this record."
    viewer = member(org_a, "viewer")
    actions = actions_of(rf, viewer, record)
    assert actions["buttons"] == [] and not actions["edit_url"] and not actions["delete_url"]
    # The same question asked of the domain gives the same answers.
    answers = workflow.action_options(Actor.for_user(viewer), record)
    assert [o.reason for o in actions["options"]] == [o.reason for o in answers]


def test_a_record_under_review_offers_no_edit_nor_delete(rf, org_a, editor_a):
    record = place_in_state(create(Project, org_a, editor_a), "submitted", submitted_by=editor_a)
    actions = actions_of(rf, editor_a, record)
    assert [button.name for button in actions["buttons"]] == ["withdraw"]
    assert not actions["edit_url"] and not actions["delete_url"]
