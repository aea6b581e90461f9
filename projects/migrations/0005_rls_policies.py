"""Row-level security on the records and the tables around them (issue 10, SPEC 3 and 5).

The same rules as registry.tenancy's policies for these models, as the database's second line.
Each policy reads only its own row (copies of other rows' state are kept by
projects/visibility_copies.py), so that the policies stay valid on a distributed database.
registry.rls builds the statements and adds the system and platform-admin reads.

* records: seen by their organization's members in any state, by everyone when published or
  archived, by reviewers once on the platform; a project also by the members of the other
  organizations it names as participants (coarser than the ORM, which shows those members only
  the participation). Created as drafts by the organization's editors and admins, who change and
  delete (drafts) them; a reviewer's change leaves a record in a state a review leads to.
* links and project relations: seen when both ends are; written by the source's editors and
  admins, to a target they see; their copies change only in the system context.
* participations: seen by whoever sees the project, and by the participant's members; added,
  changed and removed by the project's editors and admins; answered by the participant's admins.
* revisions: seen by the organization's members, and by reviewers once submitted; created as
  drafts by its editors and admins; a reviewer's change leaves one in a state a review leads to.
* the audit log: seen by the organization's members; approve and archive events by everyone
  (the changes feed; a record they name stays public for good); by reviewers entirely (coarser
  than the ORM, which shows a reviewer the history of records on the platform only: an entry's
  record state cannot be copied onto an append-only row); a participant's answers by the
  participant's members (also coarser: the ORM shows them the participation, not the entry).
  Written only in the writer's own name,
  for the organization's editors and admins, a reviewer's review actions, or a participant's
  admins answering; never changed or deleted (no policy; triggers and grants refuse it too).
"""

from django.db import migrations

from registry import append_only, rls
from registry.rls import REVIEWER, all_of, any_of, in_organizations, is_user, one_of

PUBLIC = ["published", "archived"]
PLATFORM = ["submitted", "changes_requested", "rejected", "published", "archived"]
# Where a reviewer's action leaves a record (approve, request changes, reject, archive; a review
# of a pending revision leaves the record published).
REVIEW_OUTCOMES = ["changes_requested", "rejected", "published", "archived"]
REVIEWED_REVISIONS = ["submitted", "changes_requested", "rejected", "published"]
REVISION_REVIEW_OUTCOMES = ["changes_requested", "rejected", "published"]
REVIEW_ACTIONS = ["approve", "request_changes", "reject", "archive"]
PUBLIC_EVENTS = ["approve", "archive"]
PARTICIPATION_ANSWERS = ["confirm_participation", "decline_participation"]

MEMBER = in_organizations("organization_id", "member_of")
EDITOR = in_organizations("organization_id", "editor_of")


def record_visible(organization: str, state: str) -> str:
    """SPEC 3 for one record, from its organization and state columns (or their copies)."""
    return any_of(
        in_organizations(organization, "member_of"),
        one_of(state, PUBLIC),
        all_of(REVIEWER, one_of(state, PLATFORM)),
    )


def record(shared: bool = False) -> dict:
    read = record_visible("organization_id", "workflow_state")
    if shared:
        read = any_of(read, "shared_with ?| registry_member_of()::text[]")
    return dict(
        read=read,
        insert=all_of(EDITOR, one_of("workflow_state", ["draft"])),
        update=any_of(EDITOR, all_of(REVIEWER, one_of("workflow_state", REVIEW_OUTCOMES))),
        delete=all_of(EDITOR, one_of("workflow_state", ["draft"])),
    )


def link(source: str, target: str) -> dict:
    target_visible = record_visible(f"{target}_organization_id", f"{target}_state")
    return dict(
        read=all_of(record_visible("organization_id", f"{source}_state"), target_visible),
        insert=all_of(EDITOR, target_visible),
        delete=EDITOR,
    )


PARTICIPATION = dict(
    read=any_of(
        record_visible("organization_id", "project_state"),
        in_organizations("participant_id", "member_of"),
    ),
    insert=EDITOR,
    update=any_of(EDITOR, in_organizations("participant_id", "admin_of")),
    delete=EDITOR,
)

REVISION = dict(
    read=any_of(MEMBER, all_of(REVIEWER, one_of("state", REVIEWED_REVISIONS))),
    insert=all_of(EDITOR, one_of("state", ["draft"])),
    update=any_of(EDITOR, all_of(REVIEWER, one_of("state", REVISION_REVIEW_OUTCOMES))),
)

# A participant's answer, written into the project owner's history by the participant's admin.
ANSWER_FOR = all_of(
    one_of("action", PARTICIPATION_ANSWERS),
    in_organizations("actor_organization_id", "admin_of"),
)
AUDIT_ENTRY = dict(
    read=any_of(
        MEMBER,
        REVIEWER,
        one_of("action", PUBLIC_EVENTS),
        # Their own answers stay readable to the participant (an INSERT ... RETURNING needs it).
        all_of(
            one_of("action", PARTICIPATION_ANSWERS),
            in_organizations("actor_organization_id", "member_of"),
        ),
    ),
    insert=all_of(
        is_user("actor_id"),
        any_of(EDITOR, all_of(REVIEWER, one_of("action", REVIEW_ACTIONS)), ANSWER_FOR),
    ),
)

POLICIES = {
    "projects_project": record(shared=True),
    "projects_zone": record(),
    "projects_contact": record(),
    "projects_projectzone": link("project", "zone"),
    "projects_contactzone": link("contact", "zone"),
    "projects_contactproject": link("contact", "project"),
    "projects_projectrelation": link("project", "related"),
    "projects_participation": PARTICIPATION,
    "projects_revision": REVISION,
    "projects_auditentry": AUDIT_ENTRY,
}


def statements():
    for table, policy in POLICIES.items():
        yield from rls.policy_statements(table, **policy)
    # Append-only for every role but the owner, whatever the owner's default privileges granted.
    yield append_only.revoke_changes_statement("projects_auditentry")


def drop_statements():
    for table in POLICIES:
        yield from rls.drop_policy_statements(table)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_rls_visibility_copies"),
        ("registry", "0003_rls_context_functions"),
    ]

    operations = [
        migrations.RunPython(
            rls.run_on_postgresql(statements), rls.run_on_postgresql(drop_statements)
        )
    ]
