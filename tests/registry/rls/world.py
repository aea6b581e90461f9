"""A small registry with a private row of organization B in every tenant-owned table.

Built through the services (in the system context, as the application role), so that the
row-level security copies are the ones the application keeps.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from accounts.domain import invitations, keys
from accounts.domain import services as accounts_services
from accounts.models import Organization, PlatformRole, User
from projects.domain import participants, services
from projects.models import (
    Contact,
    Project,
    RecordDocument,
    WebhookDelivery,
    WebhookSubscription,
    Zone,
)
from registry import rls
from registry.tenancy import Actor
from tests.factories import OrganizationFactory, member
from tests.projects.factories import act, create


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    org_c: Organization
    editor_a: User
    editor_b: User
    admin_b: User
    admin_c: User
    reviewer: User
    platform_admin: User
    b_draft_project: Project
    b_published_project: Project


def platform_user(secretariat, role: str, username: str) -> User:
    user = member(
        secretariat, "admin" if role == PlatformRole.PLATFORM_ADMIN else "viewer", username=username
    )
    accounts_services.set_platform_role(user, role)
    user.refresh_from_db()
    return user


def publish(record, editor, reviewer):
    act(editor, record, "submit")
    return act(reviewer, record, "approve")


def build_world() -> World:
    with rls.system_context("test setup: a registry with private rows everywhere"):
        org_a = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
        org_b = OrganizationFactory(slug="almaty", identifier_prefix="KZ-ALA")
        org_c = OrganizationFactory(slug="tashkent", identifier_prefix="UZ-TAS", country="UZ")
        secretariat = OrganizationFactory(
            slug="secretariat", identifier_prefix="SRR", kind="secretariat", country="CN"
        )
        editor_a = member(org_a, "editor", username="editor-a")
        admin_a = member(org_a, "admin", username="admin-a")
        editor_b = member(org_b, "editor", username="editor-b")
        admin_b = member(org_b, "admin", username="admin-b")
        admin_c = member(org_c, "admin", username="admin-c")
        reviewer = platform_user(secretariat, PlatformRole.REVIEWER, "reviewer")
        platform_admin = platform_user(secretariat, PlatformRole.PLATFORM_ADMIN, "platform-admin")

        # A's own rows, which A's context must keep seeing.
        create(Project, org_a, editor_a, title={"en": "Xi'an draft"})
        keys.issue_key(editor_a, org_a, name="a's key", scopes="read")

        # B: drafts linked to drafts, a relation, a submitted record, published ones (with a
        # public link between them) and a pending revision, a participation naming C.
        zone = create(Zone, org_b, editor_b)
        b_draft_project = create(Project, org_b, editor_b, zones=[zone.identifier])
        create(
            Contact,
            org_b,
            editor_b,
            zones=[zone.identifier],
            projects=[b_draft_project.identifier],
        )
        create(
            Project,
            org_b,
            editor_b,
            related_projects=[{"identifier": b_draft_project.identifier, "kind": "parent"}],
        )
        act(editor_b, create(Contact, org_b, editor_b, name={"en": "Submitted"}), "submit")
        public_zone = publish(create(Zone, org_b, editor_b), editor_b, reviewer)
        b_published_project = publish(
            create(Project, org_b, editor_b, zones=[public_zone.identifier]), editor_b, reviewer
        )
        b_published_project = services.update_record(
            Actor.for_user(editor_b), b_published_project, {"title": {"en": "Unapproved title"}}
        )
        participants.add_participant(Actor.for_user(editor_b), b_draft_project, org_c, "partner")
        answered = participants.add_participant(
            Actor.for_user(editor_b), b_draft_project, org_c, "funder"
        )
        participants.respond_participation(Actor.for_user(admin_c), answered, accept=True)
        keys.issue_key(editor_b, org_b, name="b's key", scopes="read,write")
        # B's admin invites someone (issue 17): private to B's admins.
        invitations.invite(
            Actor.for_user(admin_b), org_b, "new@almaty.example", "editor", lambda token: ""
        )

        # B's partner webhook and one delivery of it (issue 19), private to B's admins. Made as
        # rows: subscribing resolves the URL's host, which the tests' machine may not.
        subscription = WebhookSubscription.objects.create(
            organization=org_b,
            created_by=admin_b,
            url="https://partner.example.org/hook",
            events=["published"],
            record_types=["projects"],
            secret="whsec_world",
        )
        WebhookDelivery.objects.create(
            organization=org_b,
            subscription=subscription,
            event_id=uuid.uuid4(),
            event="published",
            record_type="projects",
            identifier=b_published_project.identifier,
            payload={},
        )

        # Documents (issue 18): one on B's draft (private to B), one on B's published project
        # (public). Rows only: the walk reads rows, not files.
        for record in (b_draft_project, b_published_project):
            RecordDocument.objects.create(
                organization=org_b,
                content_type=ContentType.objects.get_for_model(Project),
                object_id=record.pk,
                title="Feasibility study",
                file=f"{org_b.pk}/world-{record.pk}.pdf",
                size=1024,
                media_type="application/pdf",
                extension="pdf",
                sha256="0" * 64,
                uploaded_by=editor_b,
                record_state=record.workflow_state,
            )

        # Sister-city links: B's proposal to C (private to both), an active A-C link (public).
        accounts_services.propose_link(Actor.for_user(admin_b), org_b, org_c)
        link = accounts_services.propose_link(Actor.for_user(admin_a), org_a, org_c)
        accounts_services.accept_link(Actor.for_user(admin_c), link)
    return World(
        org_a=org_a,
        org_b=org_b,
        org_c=org_c,
        editor_a=editor_a,
        editor_b=editor_b,
        admin_b=admin_b,
        admin_c=admin_c,
        reviewer=reviewer,
        platform_admin=platform_admin,
        b_draft_project=b_draft_project,
        b_published_project=b_published_project,
    )
