"""Factories for tests: realistic organizations, people and records, built through the models."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, OrganizationKind, User

DEFAULT_PASSWORD = "silk-road-test-pass"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"city-{n}")
    name = factory.LazyAttribute(lambda o: {"en": f"City government {o.slug}"})
    kind = OrganizationKind.LOCAL_GOVERNMENT
    country = "KZ"
    city = "Almaty"
    identifier_prefix = factory.Sequence(lambda n: f"KZ-T{n}")
    requires_signoff = False
    is_active = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = "editor"


def member(organization, role="editor", **user_fields):
    """A new user who holds `role` in `organization`."""
    user = UserFactory(**user_fields)
    MembershipFactory(organization=organization, user=user, role=role)
    return user
