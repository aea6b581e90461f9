"""The vocabulary's filters (`{% load registry_pages %}`): one word per value, by its vocabulary,
in the reader's language."""

import pytest
from django.template import Context, Template
from django.utils import translation

from projects.models import Contact, Project, Zone


def render(source: str, language: str = "en", **context) -> str:
    with translation.override(language):
        return Template("{% load registry_pages %}" + source).render(Context(context))


def test_value_label_reads_the_vocabulary_of_the_records_type():
    project = Project(category="tourism_train", lifecycle_status="closed")
    zone = Zone(kind="other", lifecycle_status="closed")
    contact = Contact(kind="consular")
    source = '{{ record|value_label:"lifecycle_status" }}'
    assert render(source, record=project) == "Closed"
    # One English word, two vocabularies: a closed project (Закрыт), a closed zone (Закрыта).
    assert render(source, "ru", record=project) == "Закрыт"
    assert render(source, "ru", record=zone) == "Закрыта"
    assert render('{{ record|value_label:"category" }}', record=project) == "Tourism train"
    assert render('{{ record|value_label:"kind" }}', "zh-hans", record=contact) == "领事协助"
    assert render('{{ record|value_label:"title" }}', record=Project(title="")) == ""


@pytest.mark.parametrize(
    ("vocabulary", "value", "language", "word"),
    [
        ("role", "funder", "en", "Funder"),
        ("participation", "pending", "ru", "Не подтверждено"),
        ("relation", "child", "en", "Sub-project"),
        ("freshness", "stale", "zh-hans", "待更新"),
        ("policy_topic", "other", "en", "Other"),
        ("document_category", "map", "ru", "Карта"),
        ("action", "signoff", "zh-hans", "签批"),
        ("record_type", "zones", "ru", "Зона сотрудничества"),
        ("organization_kind", "local_government", "en", "Local government"),
        ("sector", "tour_operator", "en", "Tour operator"),
        ("link_status", "ended", "en", "Ended"),
        ("membership_role", "viewer", "ru", "Читатель"),
        ("role", "gone", "en", "gone"),
        ("role", None, "en", ""),
    ],
)
def test_label_names_its_vocabulary(vocabulary, value, language, word):
    source = "{{ value|label:vocabulary }}"
    assert render(source, language, value=value, vocabulary=vocabulary) == word


def test_label_of_an_unknown_vocabulary_fails_loudly():
    with pytest.raises(KeyError):
        render('{{ "x"|label:"no-such-vocabulary" }}')


def test_state_label_reads_record_and_revision_states():
    assert render('{{ "pending_signoff"|state_label }}') == "Awaiting sign-off"
    assert render('{{ "discarded"|state_label }}', "zh-hans") == "已放弃"
    assert render('{{ ""|state_label }}') == ""


def test_field_label_and_event_label():
    assert render('{{ "budget_amount"|field_label }}') == "Budget"
    assert render('{{ "lifecycle_status"|field_label }}', "ru") == "Статус"
    assert render('{{ "unknown_field"|field_label }}') == "unknown_field"
    assert render('{{ "approve"|event_label }}') == "Approved and published"
    assert render('{{ "request_changes"|event_label }}', "zh-hans") == "需要修改"
    assert render('{{ "merge_organization"|event_label }}') == "Organizations merged"
