"""Registration numbers are checked per country where the format is known (issue 9).

The valid examples are real, published numbers of well-known companies; the invalid ones are
the same numbers with one character changed, cut short or with letters the format excludes.
(Each check character is 1 of 31 or 1 of 11 values: a number typed from memory with an error
would not pass by chance.)
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.domain import services
from accounts.domain.registration import (
    bin_check_digit,
    check_bin,
    check_uscc,
    uscc_check_character,
)

REAL_USCC = [
    "91330100716105852F",  # Alibaba (China) Co., Ltd.
    "9144030071526726XG",  # Shenzhen Tencent Computer Systems Co., Ltd.
    "914403001922038216",  # Huawei Technologies Co., Ltd.
    "91110000802100433B",  # Beijing Baidu Netcom Science and Technology Co., Ltd.
]
REAL_BIN = [
    "020240000555",  # JSC National Company Kazakhstan Temir Zholy
    "971240001315",  # Kaspi Bank JSC
    "940140000385",  # Halyk Bank of Kazakhstan JSC
]


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_unified_social_credit_codes_pass(code):
    check_uscc(code)
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("91330100716105852G", "check character (the 18th) should be F"),
        ("914403001922038217", "should be 6"),
        ("9133010071610585", "has 18 characters; 9133010071610585 has 16"),
        ("91330100716I05852F", "found I"),
        ("9133010071610585SF", "found S"),
        ("91330100716105852f", "found f"),  # the check itself is case-sensitive
    ],
)
def test_invalid_unified_social_credit_codes_fail(code, phrase):
    with pytest.raises(ValidationError) as excinfo:
        check_uscc(code)
    assert phrase in excinfo.value.messages[0]


@pytest.mark.parametrize("number", REAL_BIN)
def test_real_business_identification_numbers_pass(number):
    check_bin(number)
    assert bin_check_digit(number[:11]) == int(number[11])


@pytest.mark.parametrize(
    ("number", "phrase"),
    [
        ("020240000556", "check digit"),
        ("971240001316", "check digit"),
        ("02024000055", "is 12 digits"),
        ("02024000055X", "is 12 digits"),
        ("021340000555", "month of registration"),
        ("020220000555", "kind of legal entity"),  # digit 5 is 2: a person's IIN, not a BIN
        ("020248000555", "division"),
    ],
)
def test_invalid_business_identification_numbers_fail(number, phrase):
    with pytest.raises(ValidationError) as excinfo:
        check_bin(number)
    assert phrase in excinfo.value.messages[0]


def test_the_second_weights_are_used_when_the_first_give_ten():
    # 11 digits whose first weighted sum is 10 mod 11: the check digit comes from the second.
    first11 = "00000000010"
    assert sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11 == 10
    assert bin_check_digit(first11) == (1 * 1) % 11


def create(slug, prefix, country, registration_id):
    return services.create_organization(
        slug, slug.title(), "market_entity", country, prefix, registration_id=registration_id
    )


def test_organizations_are_checked_on_create_and_update(db):
    with pytest.raises(ValidationError) as excinfo:
        create("tencent", "CN-TENCENT", "CN", "9144030071526726XH")
    assert "check character" in excinfo.value.message_dict["registration_id"][0]

    # Spaces and lower case, as people type them, are normalized before the check.
    tencent = create("tencent", "CN-TENCENT", "CN", "91440300 7152 6726xg")
    assert tencent.registration_id == "9144030071526726XG"

    ktz = create("ktz", "KZ-KTZ", "KZ", "020240000555")
    with pytest.raises(ValidationError) as excinfo:
        services.update_organization(ktz, registration_id="020240000556")
    assert "check digit" in excinfo.value.message_dict["registration_id"][0]

    # Where no format is known the number is free text.
    assert create("uz-co", "UZ-CO", "UZ", "307112459").registration_id == "307112459"


def test_the_admin_form_shows_the_format_error(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(
        "/admin/accounts/organization/add/",
        {
            "slug": "huawei",
            "identifier_prefix": "CN-HUAWEI",
            "name": '{"en": "Huawei"}',
            "kind": "market_entity",
            "country": "CN",
            "registration_id": "914403001922038217",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "should be 6" in response.content.decode()
