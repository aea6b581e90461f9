"""Row-level security on the accounts tables that have an organization (issue 10).

The same rules as registry.tenancy's policies for these models (SPEC 2 and 3), as the database's
second line; registry.rls builds the statements and adds the system and platform-admin reads.

* memberships: seen by the member themselves (which is how authentication finds a user's
  organizations once their id is stated) and by the organization's members; changed by its
  admins and platform admins.
* API keys: one's own keys in one's organizations, and every key of an organization one
  administers; platform admins too. The key being authenticated, named by its public prefix,
  is readable and its last use recordable through the `authentication` policy.
* sister-city links: active ones are public (coarser than the ORM, which also hides links of a
  deactivated organization); either side sees its own in any state; the proposer's admins
  propose, either side's admins answer or end.
"""

from django.db import migrations

from registry import append_only, rls
from registry.rls import PLATFORM_ADMIN, any_of, in_organizations, is_user, one_of

MEMBERSHIP = dict(
    read=any_of(is_user("user_id"), in_organizations("organization_id", "member_of")),
    insert=any_of(in_organizations("organization_id", "admin_of"), PLATFORM_ADMIN),
    update=any_of(in_organizations("organization_id", "admin_of"), PLATFORM_ADMIN),
    delete=any_of(in_organizations("organization_id", "admin_of"), PLATFORM_ADMIN),
)

OWN_OR_ADMINISTERED_KEY = any_of(
    f"{is_user('user_id')} AND {in_organizations('organization_id', 'member_of')}",
    in_organizations("organization_id", "admin_of"),
)
KEY_BEING_AUTHENTICATED = "prefix = registry_api_key_prefix()"
API_KEY = dict(
    read=OWN_OR_ADMINISTERED_KEY,
    insert=OWN_OR_ADMINISTERED_KEY,
    update=any_of(OWN_OR_ADMINISTERED_KEY, PLATFORM_ADMIN),
    delete=PLATFORM_ADMIN,
    extra=[
        ("authentication", "SELECT", KEY_BEING_AUTHENTICATED, None),
        ("authentication_use", "UPDATE", KEY_BEING_AUTHENTICATED, KEY_BEING_AUTHENTICATED),
    ],
)

SISTER_CITY_LINK = dict(
    read=any_of(
        one_of("status", ["active"]),
        in_organizations("organization_id", "member_of"),
        in_organizations("partner_id", "member_of"),
    ),
    insert=in_organizations("organization_id", "admin_of"),
    update=any_of(
        in_organizations("organization_id", "admin_of"),
        in_organizations("partner_id", "admin_of"),
    ),
)

POLICIES = {
    "accounts_membership": MEMBERSHIP,
    "accounts_apikey": API_KEY,
    "accounts_sistercitylink": SISTER_CITY_LINK,
}


def statements():
    for table, policy in POLICIES.items():
        yield from rls.policy_statements(table, **policy)
    # The security event log (global, no policies) is append-only for the application role too.
    yield append_only.revoke_changes_statement("accounts_securityevent")


def drop_statements():
    for table in POLICIES:
        yield from rls.drop_policy_statements(table)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_security_events_append_only"),
        ("registry", "0003_rls_context_functions"),
    ]

    operations = [
        migrations.RunPython(
            rls.run_on_postgresql(statements), rls.run_on_postgresql(drop_statements)
        )
    ]
