"""Walks every model: each is tenant-owned and scoped, or on the explicit list of global models.

A new model that is neither fails here, before it can leak one organization's rows to another.
"""

import pytest
from django.apps import apps
from django.db import models

from registry.models import TenantManager, TenantOwned, UnscopedQuery
from registry.tenancy import POLICIES, Actor, require, visible

# Models that belong to no single organization, each with the reason.
GLOBAL_MODELS = {
    "accounts.User": "a person may belong to several organizations",
    "accounts.Organization": "the tenant itself; its visibility (active ones) is a tenancy policy",
    "accounts.User_groups": "Django auth plumbing",
    "accounts.User_user_permissions": "Django auth plumbing",
    "auth.Group": "Django auth plumbing",
    "auth.Group_permissions": "Django auth plumbing",
    "auth.Permission": "Django auth plumbing",
    "contenttypes.ContentType": "Django plumbing",
    "sessions.Session": "Django plumbing",
    "admin.LogEntry": "the Django admin's own log, read by platform admins only",
    "accounts.SecurityEvent": (
        "sign-ins and lockouts happen before anyone acts for an organization (a failed sign-in "
        "may name no real user); append-only; read by platform admins only"
    ),
    "accounts.OrganizationApplication": (
        "an organization that asks to join does not exist yet; written by anyone at "
        "/organizations/apply/, read and decided by platform admins only"
    ),
    "otp_totp.TOTPDevice": (
        "a person's second factor (django-otp), theirs whatever organization they act for; "
        "read only for the signed-in person or the person signing in"
    ),
    "otp_static.StaticDevice": "a person's recovery codes (django-otp), as their TOTP device",
    "otp_static.StaticToken": "one recovery code of a person's StaticDevice (django-otp)",
    "registry.Job": (
        "a job belongs to the person who started it, not to an organization: only its owner "
        "reads it (registry.jobs.owned_by; the owner-only RLS policy of registry/0004_jobs)"
    ),
    "projects.ChangeCounter": (
        "a number per viewer class (public, or one organization's members) behind list ETags; "
        "it holds no content, and its scope names whose view moved"
    ),
}

# Tenant-owned tables that are looked up before the organization is known. On a database
# distributed by organization they would be reference tables; each exemption names its field.
GLOBAL_LOOKUP_FIELDS = {
    "accounts.ApiKey": {"prefix", "user"},  # authentication finds the key by its prefix
    "accounts.Membership": {"user"},  # every request finds the user's memberships
    # the invitation page finds its row by the token's hash before anyone is known
    "accounts.Invitation": {"token_hash"},
}


def all_models():
    return apps.get_models(include_auto_created=True)


def tenant_models():
    return [m for m in all_models() if m._meta.label not in GLOBAL_MODELS]


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m._meta.label)
def test_every_model_is_tenant_owned_or_declared_global(model):
    if model._meta.label in GLOBAL_MODELS:
        return
    assert issubclass(model, TenantOwned), (
        f"{model._meta.label} is neither tenant-owned (subclass registry.models.TenantOwned) "
        "nor listed in GLOBAL_MODELS with a reason"
    )
    assert isinstance(model._default_manager, TenantManager), (
        f"{model._meta.label}'s default manager must be the fail-closed TenantManager"
    )
    assert model in POLICIES, f"{model._meta.label} registers no policy with the boundary"


def test_global_list_names_only_existing_models():
    labels = {m._meta.label for m in all_models()}
    assert set(GLOBAL_MODELS) <= labels, set(GLOBAL_MODELS) - labels
    assert set(GLOBAL_LOOKUP_FIELDS) <= labels, set(GLOBAL_LOOKUP_FIELDS) - labels


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_unique_constraints_include_the_organization(model):
    exempt = GLOBAL_LOOKUP_FIELDS.get(model._meta.label, set())
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert "organization" in constraint.fields, (
                f"{model._meta.label}.{constraint.name} must include organization"
            )
    assert not model._meta.unique_together, "use UniqueConstraint with organization instead"
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            assert field.name in exempt, (
                f"{model._meta.label}.{field.name} is unique on its own; "
                "make it unique together with organization"
            )


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_indexes_lead_with_the_organization(model):
    """SPEC 9 (as amended): only UNIQUE constraints must include the organization (the test
    above); other indexes serve the public sort orders and the foreign keys and need not lead
    with it. What stays: no column is indexed on its own by `db_index` (indexes are declared in
    Meta, where they can be read), and every foreign key of the records' tables that cascades,
    which the list prefetches and deletes look up by, leads an index or a unique constraint
    (issue 11: participations, zone links and relations had none)."""
    exempt = GLOBAL_LOOKUP_FIELDS.get(model._meta.label, set())
    for field in model._meta.concrete_fields:
        if field.db_index and field.name != "organization":
            assert field.name in exempt, (
                f"{model._meta.label}.{field.name} has an index of its own; "
                "use db_index=False and declare the index in Meta"
            )
    leading = {index.fields[0] for index in model._meta.indexes if index.fields}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            leading.add(constraint.fields[0])
            if constraint.fields[0] == "organization" and len(constraint.fields) > 1:
                leading.add(constraint.fields[1])
    for field in model._meta.concrete_fields if model._meta.app_label == "projects" else ():
        if field.many_to_one and field.remote_field.on_delete is models.CASCADE:
            assert field.name in leading | exempt | {"organization"}, (
                f"{model._meta.label}.{field.name} cascades but no index leads with it"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_unscoped_lookup_of_a_tenant_model_raises(model):
    with pytest.raises(UnscopedQuery):
        list(model.objects.all())
    with pytest.raises(UnscopedQuery):
        model.objects.filter(pk=1).exists()
    with pytest.raises(UnscopedQuery):
        model.objects.count()
    with pytest.raises(UnscopedQuery):
        model.objects.filter(pk=1).update()
    with pytest.raises(UnscopedQuery):
        model.objects.filter(pk=1).delete()
    # The scoped way runs.
    assert list(visible(Actor.anonymous(), model)) == []


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_a_model_that_registers_no_policy_fails_closed(model, monkeypatch):
    """Were an app to forget registering a model's rules, no face could read or act on it."""
    monkeypatch.delitem(POLICIES, model)
    with pytest.raises(LookupError, match="no policy registered"):
        visible(Actor.anonymous(), model)
    with pytest.raises(LookupError, match="no policy registered"):
        require(Actor.anonymous(), "view", model())
