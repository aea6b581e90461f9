"""The duplicate finder weighs distinctive words (issue 18): city governments that share
"Municipal People's Government" are different cities; registration numbers, websites and
countries count."""

import pytest

from accounts.domain import duplicates
from accounts.models import Organization
from tests.factories import OrganizationFactory


def city(slug, prefix, country, **fields):
    return OrganizationFactory(slug=slug, identifier_prefix=prefix, country=country, **fields)


def pairs_of(organizations=None) -> dict:
    rows = organizations if organizations is not None else Organization.objects.all()
    return {(p.first.slug, p.second.slug): p for p in duplicates.likely_duplicates(rows)}


@pytest.fixture
def governments(db):
    return [
        city(
            "xian",
            "CN-XIAN",
            "CN",
            name={
                "en": "Xi'an Municipal People's Government",
                "zh": "西安市人民政府",
                "ru": "Народное правительство города Сиань",
            },
        ),
        city(
            "beijing",
            "CN-BJ",
            "CN",
            name={
                "en": "Beijing Municipal People's Government",
                "zh": "北京市人民政府",
                "ru": "Народное правительство города Пекин",
            },
        ),
        city(
            "chengdu",
            "CN-CD",
            "CN",
            name={
                "en": "Chengdu Municipal People's Government",
                "zh": "成都市人民政府",
                "ru": "Народное правительство города Чэнду",
            },
        ),
        city(
            "almaty", "KZ-ALA", "KZ", name={"en": "Akimat of Almaty", "ru": "Акимат города Алматы"}
        ),
        city(
            "astana", "KZ-AST", "KZ", name={"en": "Akimat of Astana", "ru": "Акимат города Астаны"}
        ),
        city("tashkent", "UZ-TAS", "UZ", name={"en": "Tashkent City Hokimiyat"}),
        city("samarkand", "UZ-SAM", "UZ", name={"en": "Samarkand City Hokimiyat"}),
    ]


def test_cities_that_share_only_generic_words_do_not_pair(governments):
    assert pairs_of() == {}
    xian, beijing = governments[0], governments[1]
    for language in ("en", "zh", "ru"):
        assert duplicates.name_similarity(xian.name[language], beijing.name[language]) < 0.3


def test_the_same_city_written_twice_pairs_in_any_language(governments):
    city("xian-2", "CN-XA", "CN", name={"en": "Xian Municipal Government"})
    city("xian-3", "CN-XA3", "CN", name={"zh": "西安市政府"})
    city("almaty-2", "KZ-ALA2", "KZ", name={"ru": "Акимат Алматы"})
    found = pairs_of()
    assert set(found) == {("xian", "xian-2"), ("xian", "xian-3"), ("almaty", "almaty-2")}
    # Only the generic "People's" differs: it costs little.
    assert found[("xian", "xian-2")].reasons == ["similar names (96%)"]
    assert found[("xian", "xian-3")].similarity >= 0.8


def test_legal_forms_count_for_little(db):
    city("rail", "CN-RAIL", "CN", kind="market_entity", name={"en": "Silk Road Rail Co., Ltd."})
    city("air", "CN-AIR", "CN", kind="market_entity", name={"en": "Silk Road Air Co., Ltd."})
    city("rail-2", "CN-RAIL2", "CN", kind="market_entity", name={"en": "Silk Road Rail LLC"})
    city("kz-1", "KZ-T1", "KZ", kind="market_entity", name={"ru": "ТОО «Шёлковый путь тур»"})
    city("kz-2", "KZ-T2", "KZ", kind="market_entity", name={"ru": "ТОО «Алтын тур»"})
    found = pairs_of()
    assert ("rail", "rail-2") in found
    assert ("rail", "air") not in found and ("kz-1", "kz-2") not in found
    assert duplicates.name_similarity("JSC Kazakhstan Temir Zholy", "Kazakhstan Temir Zholy") > 0.95


def test_registration_numbers_and_websites_pair_names_that_differ(db):
    number = "914403001922038216"
    city("rail", "CN-RAIL", "CN", name={"en": "Silk Road Rail"}, registration_id=number)
    city("trains", "CN-TR", "CN", name={"en": "Heritage trains"}, registration_id=number)
    city("hotel", "KZ-H", "KZ", name={"en": "Caravan Hotel"}, website="https://www.caravan.kz/")
    city("inn", "UZ-I", "UZ", name={"en": "Caravan Inn"}, website="http://caravan.kz/en")
    # The same number in another country's register is another company.
    city("other", "KZ-O", "KZ", name={"en": "Steppe Tours"}, registration_id=number)
    found = pairs_of()
    assert found[("rail", "trains")].reasons == [f"same registration number {number}"]
    assert found[("hotel", "inn")].reasons == ["same website caravan.kz"]
    assert set(found) == {("rail", "trains"), ("hotel", "inn")}


def test_a_different_country_keeps_similar_names_apart(db):
    city("xian", "CN-XIAN", "CN", name={"en": "Xi'an Municipal Government"})
    city("kz-xian", "KZ-XA", "KZ", name={"en": "Xian Municipal Government"})
    assert pairs_of() == {}


def test_merged_organizations_are_left_out(governments):
    twin = city("xian-2", "CN-XA", "CN", name={"en": "Xian Municipal Government"})
    twin.merged_into = governments[0]
    twin.save()
    assert pairs_of() == {}


def test_domains_and_words():
    assert duplicates.domain_of("https://WWW.Xa.gov.cn/en/") == "xa.gov.cn"
    assert duplicates.domain_of("xa.gov.cn") == "xa.gov.cn"
    assert duplicates.domain_of("") == ""
    assert duplicates.words("西安市人民政府") == ["西安", "市人民政府"]
    assert duplicates.name_similarity("People's Government", "Municipal People's Government") == 0
