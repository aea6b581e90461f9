"""Documents as files on a record (issue 18): the type read from the content, the size bound,
the record's visibility on every download, an attachment that is never sniffed, and removal
only after a confirmation."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.domain import rls_copies
from projects.models import Contact, Project, RecordDocument, Zone
from tests.factories import member
from tests.projects.factories import create, place_in_state

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def office(kind: str) -> bytes:
    """A minimal Office Open XML or OpenDocument package of this kind."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        if kind in ("odt", "ods"):
            sub = "text" if kind == "odt" else "spreadsheet"
            # OpenDocument: the first entry, stored, names the type.
            package.writestr(
                zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{sub}"
            )
            package.writestr("content.xml", "<office:document-content/>")
        else:
            folder = {"docx": "word", "xlsx": "xl", "pptx": "ppt"}[kind]
            package.writestr("[Content_Types].xml", "<Types/>")
            package.writestr("_rels/.rels", "<Relationships/>")
            package.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


SAMPLES = {
    "pdf": (PDF, "application/pdf"),
    "png": (PNG, "image/png"),
    "jpeg": (JPEG, "image/jpeg"),
    "docx": (office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml"),
    "xlsx": (office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml"),
    "pptx": (office("pptx"), "application/vnd.openxmlformats-officedocument.presentationml"),
    "odt": (office("odt"), "application/vnd.oasis.opendocument.text"),
    "ods": (office("ods"), "application/vnd.oasis.opendocument.spreadsheet"),
}


@pytest.fixture(autouse=True)
def document_storage(monkeypatch, tmp_path):
    """Each test stores its files in a directory of its own (the field took its storage from
    STORAGES["documents"] when the models loaded)."""
    field = RecordDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


def upload(client, record, name: str, content: bytes, title: str = "", **headers):
    url = reverse("record-documents", args=[record.record_type, record.identifier])
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(url, {"title": title, "file": file}, **headers)


def download_url(record, document) -> str:
    return reverse("record-document", args=[record.record_type, record.identifier, document.pk])


def only_document(record) -> RecordDocument:
    return RecordDocument.all_rows_for_internal_use.get(object_id=record.pk)


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_each_allowed_type_is_added_listed_and_downloaded(client, org_a, editor_a, extension):
    content, media_type = SAMPLES[extension]
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    added = upload(client, project, f"feasibility study.{extension}", content, "Feasibility")
    assert added.status_code == 302 and added["Location"].endswith("#documents")
    document = only_document(project)
    assert document.media_type.startswith(media_type)
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.record_state == "draft" and document.uploaded_by == editor_a
    page = client.get(reverse("project-detail", args=[project.identifier])).content.decode()
    assert "Feasibility" in page and download_url(project, document) in page
    got = client.get(download_url(project, document))
    assert got.status_code == 200 and b"".join(got.streaming_content) == content
    assert got["Content-Type"] == document.media_type
    assert got["Content-Disposition"].startswith("attachment;")
    assert f"Feasibility.{document.extension}" in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.pdf", PNG),  # an image that says it is a PDF
        ("photo.png", b"<html><script>alert(1)</script></html>"),  # a page that says it is a PNG
        ("minutes.docx", b"MZ\x90\x00" + b"\x00" * 64),  # a program
        ("archive.zip", office("docx")),  # an allowed content under a name that is not
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(
    client, org_a, editor_a, name, content
):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    refused = upload(client, project, name, content, "Minutes", HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "содержимое" in text or "содержимому" in text, text
    assert not RecordDocument.all_rows_for_internal_use.exists()


def test_the_refusal_speaks_chinese_too(client, org_a, editor_a):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    refused = upload(client, project, "report.pdf", PNG, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "内容" in refused.content.decode()


def test_a_file_over_the_size_limit_is_refused(client, settings, org_a, editor_a, document_storage):
    settings.DOCUMENT_MAX_BYTES = 1024
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    refused = upload(client, project, "big.pdf", PDF + b"0" * 1024, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    assert "больше" in refused.content.decode()
    assert not RecordDocument.all_rows_for_internal_use.exists()
    assert list(document_storage.iterdir()) == []
    # Just under the limit is fine.
    assert upload(client, project, "small.pdf", PDF).status_code == 302
    # A request surely over the limit is refused before its body is read.
    url = reverse("record-documents", args=["projects", project.identifier])
    refused = client.post(
        url, b"--x--\r\n", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH="10000000"
    )
    assert refused.status_code == 400 and "larger than" in refused.content.decode()
    assert RecordDocument.all_rows_for_internal_use.count() == 1


def test_a_title_is_one_line_whatever_is_posted(client, org_a, editor_a):
    """The title names the downloaded file in a header: a line break posted in it (no browser
    sends one, a script may) must not break the response."""
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    upload(client, project, "plan.pdf", PDF, "Plan\r\nSet-Cookie: x=1")
    document = only_document(project)
    assert document.title == "Plan Set-Cookie: x=1"
    got = client.get(download_url(project, document))
    assert got.status_code == 200 and "x=1" not in got.cookies


def test_no_file_and_an_empty_file_are_refused(client, org_a, editor_a):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    url = reverse("record-documents", args=["projects", project.identifier])
    assert client.post(url, {"title": "Nothing"}).status_code == 400
    assert upload(client, project, "empty.pdf", b"").status_code == 400


def test_another_organization_cannot_read_add_or_remove_a_drafts_document(
    client, org_a, editor_a, editor_b, reviewer
):
    zone = create(Zone, org_a, editor_a)
    client.force_login(editor_a)
    upload(client, zone, "plan.pdf", PDF, "Plan")
    document = only_document(zone)
    delete = reverse("record-document-delete", args=["zones", zone.identifier, document.pk])
    for stranger in (editor_b, reviewer):
        client.force_login(stranger)
        assert client.get(download_url(zone, document)).status_code == 404
        assert upload(client, zone, "mine.pdf", PDF).status_code == 404
        assert client.post(delete, {"confirmed": "yes"}).status_code == 404
    client.logout()
    assert client.get(download_url(zone, document)).status_code == 404
    # A viewer of the owner reads it but may neither add nor remove.
    client.force_login(member(org_a, "viewer"))
    assert client.get(download_url(zone, document)).status_code == 200
    assert upload(client, zone, "mine.pdf", PDF).status_code == 403
    assert client.post(delete, {"confirmed": "yes"}).status_code == 403
    assert RecordDocument.all_rows_for_internal_use.count() == 1
    # A document of another record is not found under this one.
    other = create(Zone, org_a, editor_a, ref="OTHER")
    wrong = reverse("record-document", args=["zones", other.identifier, document.pk])
    client.force_login(editor_a)
    assert client.get(wrong).status_code == 404


def test_a_published_records_document_is_public(client, org_a, editor_a, outsider):
    contact = create(Contact, org_a, editor_a)
    client.force_login(editor_a)
    upload(client, contact, "card.png", PNG, "Business card")
    document = only_document(contact)
    contact = place_in_state(contact, "published")
    rls_copies.record_state_changed(contact)
    document.refresh_from_db()
    assert document.record_state == "published"
    client.logout()
    got = client.get(download_url(contact, document))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert got["X-Content-Type-Options"] == "nosniff"
    page = client.get(reverse("contact-detail", args=[contact.identifier])).content.decode()
    assert "Business card" in page and "record-document-delete" not in page
    # Anonymous visitors cannot add: they are sent to sign in.
    assert upload(client, contact, "x.pdf", PDF)["Location"].startswith("/accounts/login/")


def test_removing_a_document_asks_first(
    client, org_a, editor_a, document_storage, django_capture_on_commit_callbacks
):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    upload(client, project, "plan.pdf", PDF, "Plan")
    document = only_document(project)
    assert len(list(document_storage.rglob("*.pdf"))) == 1
    url = reverse("record-document-delete", args=["projects", project.identifier, document.pk])
    # The edit page lists it too, with its remove button and the upload form.
    edit = client.get(reverse("project-edit", args=[project.identifier])).content.decode()
    assert url in edit and 'enctype="multipart/form-data"' in edit
    asked = client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert asked.status_code == 200 and asked.context["confirm_label"]
    assert RecordDocument.all_rows_for_internal_use.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirmed": "yes"})
    assert done.status_code == 302
    # The file went with the row.
    assert list(document_storage.rglob("*.pdf")) == []
    assert not RecordDocument.all_rows_for_internal_use.exists()
    assert client.get(download_url(project, document)).status_code == 404


def test_a_deleted_draft_takes_its_documents(client, org_a, editor_a):
    contact = create(Contact, org_a, editor_a)
    client.force_login(editor_a)
    upload(client, contact, "card.jpg", JPEG)
    assert only_document(contact).title == "card"
    url = reverse("record-delete", args=["contacts", contact.identifier])
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not RecordDocument.all_rows_for_internal_use.exists()
