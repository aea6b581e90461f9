"""CSRF and XSS: signed-in browsers' writes need the CSRF token, and text from the database is
escaped on pages (with the CSP as a second line: tests/test_security_headers.py)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from projects.models import Project
from tests.factories import OrganizationFactory, member
from tests.projects.factories import project_data

SCRIPT = "<script>alert(1)</script>"


def test_a_session_write_to_the_api_without_the_csrf_token_is_403(org_a, editor_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor_a)
    response = client.post("/api/v1/projects/", project_data(), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Project.objects.unscoped("test").exists()


def test_a_page_form_without_the_csrf_token_is_403(org_a, editor_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_a)
    response = client.post("/accounts/switch-organization/", {"organization": "xian"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_names_from_the_database_are_escaped_on_pages(client):
    organization = OrganizationFactory(slug="evil", name={"en": f"Evil {SCRIPT}"})
    client.force_login(member(organization, "admin"))
    page = client.get("/").content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil"])
def test_document_links_must_be_web_urls(session_client_for_editor, url):
    client = session_client_for_editor
    body = project_data(documents=[{"title": "Plan", "url": url}])
    response = client.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400 and "documents" in response.json()["errors"]


@pytest.fixture
def session_client_for_editor(org_a, editor_a):
    client = APIClient()
    client.force_login(editor_a)
    return client
