"""registry/mail.py (issue 17): every e-mail from templates, in each recipient's language, plain
text with an HTML alternative, through one `deliver`; the file backend writes what was sent."""

from django.core import mail as outbox

from registry import mail
from tests.factories import UserFactory


def test_one_message_per_language_each_in_its_recipients_language(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    russian = UserFactory(username="ivan", email="ivan@example.org", language="ru")
    chinese = UserFactory(username="li", email="li@example.org", language="zh-hans")
    english = UserFactory(username="ann", email="ann@example.org")
    context = {"application": type("A", (), {"display_name": "<Kashgar>"})()}
    sent = mail.send_templated(
        "application_received", [russian, chinese, english, "ANN@example.org"], context
    )
    assert sent == 3
    by_to = {tuple(message.to): message for message in outbox.outbox}
    assert "Мы получили заявку" in by_to[("ivan@example.org",)].subject
    assert "我们已收到" in by_to[("li@example.org",)].subject
    english_mail = by_to[("ann@example.org",)]  # the address given twice goes once
    assert english_mail.subject.startswith("[Silk Road Registry] We received")
    assert "<Kashgar>" in english_mail.body  # plain text is not HTML-escaped
    html, kind = english_mail.alternatives[0]
    assert kind == "text/html" and "&lt;Kashgar&gt;" in html and 'lang="en"' in html


def test_a_plain_address_takes_the_language_given(db):
    context = {"application": type("A", (), {"display_name": "Kashgar"})()}
    mail.send_templated("application_received", ["a@example.org"], context, language="ru")
    assert "Мы получили заявку" in outbox.outbox[0].subject
    mail.send_templated("application_received", ["b@example.org"], context, language="xx")
    assert outbox.outbox[1].subject.startswith("[Silk Road Registry] We received")
    assert mail.send_templated("application_received", ["", UserFactory(email="")], context) == 0


def test_the_file_backend_writes_what_was_sent(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker: deliver sends at once, here
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    mail.deliver("Subject", "Body text", "<p>Body</p>", ["x@example.org"], "from@example.org")
    [written] = list(tmp_path.iterdir())
    content = written.read_text()
    assert "Subject: Subject" in content and "Body text" in content and "text/html" in content
