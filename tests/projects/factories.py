"""Builders for registry records in tests: complete content per type, records in any state."""

from projects.domain import services, workflow
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor

KHORGOS_POLYGON = {
    "type": "Polygon",
    "coordinates": [
        [[80.30, 44.15], [80.52, 44.15], [80.52, 44.28], [80.30, 44.28], [80.30, 44.15]]
    ],
}


def project_data(**overrides) -> dict:
    data = {
        "title": {"en": "Xi'an-Almaty cultural tourism train", "zh": "西安至阿拉木图文旅专列"},
        "summary": {"en": "The first China-Central Asia cultural tourism train."},
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": ["CN", "KZ"],
        "tags": ["rail", "summit-outcome"],
        "planned_start": "2025-05-01",
        "planned_end": "2027-12-31",
        "locations": [
            {"name": "Xi'an", "lat": 34.34, "lon": 108.94},
            {"name": "Almaty", "lat": 43.24, "lon": 76.89},
        ],
        "budget_amount": "1500000",
        "budget_currency": "CNY",
        "website": "https://example.org/train",
    }
    data.update(overrides)
    return data


def zone_data(**overrides) -> dict:
    data = {
        "name": {"en": "Khorgos cross-border tourism zone"},
        "kind": "cross_border_tourism_zone",
        "countries": ["CN", "KZ"],
        "geometry": KHORGOS_POLYGON,
        "border_crossings": ["Khorgos"],
        "lifecycle_status": "operational",
        "policies": {"visa_facilitation": "Visa-free stay inside the zone."},
    }
    data.update(overrides)
    return data


def contact_data(**overrides) -> dict:
    data = {
        "kind": "insurance_claims",
        "name": {"en": "Travel insurance claims hotline"},
        "provider": "Silk Road Insurance",
        "phone": "+77272000000",
        "email": "claims@example.org",
        "languages": ["en", "ru", "zh"],
        "hours": "24/7",
        "countries": ["KZ"],
        "countries_covered": ["KZ", "CN"],
    }
    data.update(overrides)
    return data


DATA = {Project: project_data, Zone: zone_data, Contact: contact_data}


def create(model, organization, user, **overrides):
    """A complete draft created through the service, as `user` (an editor of `organization`)."""
    return services.create_record(
        Actor.for_user(user), model, organization, DATA[model](**overrides)
    )


def place_in_state(record, state, *, submitted_by=None, signed_off_by=None):
    """Put a record straight into a workflow state (test setup for the state matrix)."""
    from django.utils import timezone

    published = state in ("published", "archived")
    type(record).objects.unscoped("test setup: place a record in a state").filter(
        pk=record.pk
    ).update(
        workflow_state=state,
        submitted_by=submitted_by,
        signed_off_by=signed_off_by,
        published_at=timezone.now() if published else None,
        confirmed_at=timezone.now() if published else None,
    )
    # As the workflow's save would: the change counters behind list ETags move.
    from projects.domain import change_counters

    scopes = [change_counters.org_scope(record.organization_id)]
    change_counters.bump(*scopes, *([change_counters.PUBLIC] if published else []))
    record.refresh_from_db()
    return record


def act(user, record, action, **kwargs):
    """Take a workflow action on `record` as `user`, through the service layer."""
    return workflow.perform(Actor.for_user(user), type(record), record.identifier, action, **kwargs)
