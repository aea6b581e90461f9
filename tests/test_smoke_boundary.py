import pytest

from accounts.models import Membership
from registry.models import UnscopedQuery
from registry.tenancy import visible
from tests.factories import member


def test_unscoped_tenant_query_raises(org_a):
    member(org_a, "editor")
    with pytest.raises(UnscopedQuery):
        list(Membership.objects.all())
    with pytest.raises(UnscopedQuery):
        Membership.objects.filter(organization=org_a).count()


def test_member_sees_only_own_memberships(org_a, org_b, actor_of):
    alice = member(org_a, "admin")
    member(org_b, "admin")
    rows = visible(actor_of(alice), Membership)
    assert {m.organization_id for m in rows} == {org_a.pk}
