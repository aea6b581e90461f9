"""What the signed-in page tests share: the forms' POST data, a new project through the page."""

from django.urls import reverse

MANAGEMENT = {
    "participants-TOTAL_FORMS": "1",
    "participants-INITIAL_FORMS": "0",
    "participants-MIN_NUM_FORMS": "0",
    "participants-MAX_NUM_FORMS": "10",
}


def rows(name: str, *items: dict) -> dict:
    """The inputs of a field typed in rows (`<name>-<n>-<part>`), as the form posts them."""
    return {
        f"{name}-{index}-{part}": value
        for index, item in enumerate(items)
        for part, value in item.items()
    }


def project_form(**overrides) -> dict:
    """A complete new project as the create form posts it."""
    data = {
        **MANAGEMENT,
        "ref": "TRAIN",
        "title_en": "Xi'an-Almaty cultural tourism train",
        "title_zh": "西安至阿拉木图文旅专列",
        "summary_en": "The first China-Central Asia cultural tourism train.",
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": ["CN", "KZ"],
        "tags": "rail; summit-outcome",
        "planned_start": "2025-05-01",
        "planned_end": "2027-12-31",
        **rows(
            "locations",
            {"name": "Xi'an", "lat": "34.34", "lon": "108.94"},
            {"name": "Almaty", "lat": "43.24", "lon": "76.89"},
        ),
        "budget_amount": "1500000",
        "budget_currency": "CNY",
        "website": "https://example.org/train",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def current_form(client, url) -> dict:
    """The edit form's values as the page shows them, ready to post back."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    return data


def act(client, record_type, identifier, action, comment=""):
    return client.post(
        reverse("record-action", args=[record_type, identifier, action]), {"comment": comment}
    )
