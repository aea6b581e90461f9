"""Documents as files (issue 18) as the application's least-privilege database role: the pages
add, serve and remove them under row-level security, and the copy of the record's state that
the policy reads follows the workflow (a draft's document private, a published one's public)."""

import pytest
from django.urls import reverse

from accounts.models import PlatformRole
from projects.models import Project, RecordDocument
from registry import rls
from tests.factories import member
from tests.projects.factories import act, create
from tests.projects.pages.signed_in.test_documents import (
    PDF,
    document_storage,  # noqa: F401  (autouse: files in a directory of the test's own)
    download_url,
    upload,
)
from tests.registry.rls.world import platform_user

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    pass


def test_a_document_follows_its_records_visibility_under_row_level_security(
    client, org_a, org_b, secretariat
):
    with rls.system_context("test setup: a draft and two organizations' editors"):
        editor_a = member(org_a, "editor", username="xian-editor")
        editor_b = member(org_b, "editor", username="almaty-editor")
        reviewer = platform_user(secretariat, PlatformRole.REVIEWER, "doc-reviewer")
        project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    assert upload(client, project, "plan.pdf", PDF, "Plan").status_code == 302
    with rls.system_context("test: read the row"):
        document = RecordDocument.objects.unscoped("test").get(object_id=project.pk)
    assert document.record_state == "draft"
    assert client.get(download_url(project, document)).status_code == 200
    client.force_login(editor_b)
    assert client.get(download_url(project, document)).status_code == 404
    client.logout()
    assert client.get(download_url(project, document)).status_code == 404

    # Through the workflow: the copy follows, and the document is public.
    with rls.system_context("test setup: submit and approve"):
        act(editor_a, project, "submit")
        act(reviewer, project, "approve")
        document.refresh_from_db()
    assert document.record_state == "published"
    got = client.get(download_url(project, document))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    page = client.get(reverse("project-detail", args=[project.identifier])).content.decode()
    assert "Plan" in page

    # The owner's editor removes it under row-level security.
    client.force_login(editor_a)
    url = reverse("record-document-delete", args=["projects", project.identifier, document.pk])
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    with rls.system_context("test: the row is gone"):
        assert not RecordDocument.objects.unscoped("test").filter(pk=document.pk).exists()
