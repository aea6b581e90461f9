"""create_organization: the service and the management command (SPEC 2, 9)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.domain import services
from accounts.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def make(slug="xian", prefix="CN-XIAN", **extra):
    extra.setdefault("kind", "local_government")
    extra.setdefault("country", "CN")
    kind, country = extra.pop("kind"), extra.pop("country")
    return services.create_organization(slug, f"{slug} government", kind, country, prefix, **extra)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_creates_an_organization_with_an_upper_cased_prefix_and_english_name():
    organization = make("xian", "cn-xian", city="Xi'an", region="Shaanxi", requires_signoff=True)
    organization.refresh_from_db()
    assert organization.identifier_prefix == "CN-XIAN"
    assert organization.name == {"en": "xian government"}
    assert organization.requires_signoff is True
    assert organization.is_active is True


def test_a_multilingual_name_is_kept_as_given():
    organization = services.create_organization(
        "almaty",
        {"en": "Akimat of Almaty", "ru": "Акимат города Алматы"},
        "local_government",
        "KZ",
        "KZ-ALA",
    )
    assert organization.name["ru"] == "Акимат города Алматы"


@pytest.mark.parametrize("prefix", ["CN XIAN", "CN_XIAN", "CN--XIAN", "-CN", "CN-", "西安", ""])
def test_refuses_forbidden_prefix_characters(prefix):
    with pytest.raises(ValidationError) as excinfo:
        make("xian", prefix)
    assert "identifier_prefix" in errors_of(excinfo)
    assert not Organization.objects.filter(slug="xian").exists()


def test_refuses_a_prefix_equal_to_another_in_any_case():
    make("xian", "CN-XIAN")
    with pytest.raises(ValidationError) as excinfo:
        make("xian-2", "cn-xian")
    message = errors_of(excinfo)["identifier_prefix"][0]
    assert "already used by organization xian" in message
    assert not Organization.objects.filter(slug="xian-2").exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [("CN", "CN-XIAN"), ("CN-XIAN", "CN"), ("CN-XIAN", "cn-xian-lintong")],
)
def test_refuses_a_prefix_that_extends_or_is_extended_by_another(first, second):
    make("first", first)
    with pytest.raises(ValidationError) as excinfo:
        make("second", second)
    message = errors_of(excinfo)["identifier_prefix"][0]
    assert "organization first" in message
    assert "globally unique" in message
    assert not Organization.objects.filter(slug="second").exists()


def test_allows_prefixes_that_only_share_letters():
    make("xian", "CN-XIAN")
    make("xianyang", "CN-XIANYANG")  # not "CN-XIAN" followed by '-'
    assert Organization.objects.filter(slug__in=["xian", "xianyang"]).count() == 2


def test_sector_only_for_market_entities():
    with pytest.raises(ValidationError) as excinfo:
        make("xian", "CN-XIAN", sector="rail")
    assert "Only market entities have a sector." in errors_of(excinfo)["sector"]
    rail = make("rail", "CN-RAIL", kind="market_entity", sector="rail")
    assert rail.sector == "rail"


def test_refuses_a_duplicate_registration_id_in_the_same_country_naming_the_existing_one():
    code = "91610131MA6TXR8K2R"  # a well-formed unified social credit code (check character R)
    make("rail", "CN-RAIL", kind="market_entity", sector="rail", registration_id=code)
    with pytest.raises(ValidationError) as excinfo:
        make("rail-2", "CN-RAIL2", kind="market_entity", registration_id=code)
    assert "organization rail" in errors_of(excinfo)["registration_id"][0]
    assert not Organization.objects.filter(slug="rail-2").exists()
    # The same number in another country's register is another organization.
    other = make("uz-rail", "UZ-RAIL", country="UZ", kind="market_entity", registration_id=code)
    assert other.pk


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("kind", {"kind": "ministry"}),
        ("country", {"country": "XX"}),
        ("slug", {"slug": "not a slug"}),
        ("website", {"website": "not-a-url"}),
    ],
)
def test_refuses_other_bad_fields_by_name(field, overrides):
    slug = overrides.pop("slug", "xian")
    with pytest.raises(ValidationError) as excinfo:
        make(slug, "CN-XIAN", **overrides)
    assert field in errors_of(excinfo)
    assert not Organization.objects.filter(identifier_prefix="CN-XIAN").exists()


def test_refuses_a_duplicate_slug():
    make("xian", "CN-XIAN")
    with pytest.raises(ValidationError) as excinfo:
        make("xian", "CN-XIAN2")
    assert "slug" in errors_of(excinfo)


def test_update_keeps_the_prefix_fixed():
    organization = make("xian", "CN-XIAN")
    with pytest.raises(ValidationError) as excinfo:
        services.update_organization(organization, identifier_prefix="CN-XA")
    assert "immutable" in errors_of(excinfo)["identifier_prefix"][0]
    updated = services.update_organization(organization, city="Xi'an", requires_signoff=True)
    assert (updated.city, updated.requires_signoff) == ("Xi'an", True)


# --- the command -----------------------------------------------------------------------------


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("create_organization", *args, stdout=out)
    return out.getvalue()


def test_command_creates_an_organization():
    output = run(
        "--slug",
        "xian",
        "--name",
        "Xi'an Municipal People's Government",
        "--kind",
        "local_government",
        "--country",
        "cn",
        "--prefix",
        "cn-xian",
        "--requires-signoff",
        "--city",
        "Xi'an",
        "--region",
        "Shaanxi",
    )
    organization = Organization.objects.get(slug="xian")
    assert organization.identifier_prefix == "CN-XIAN"
    assert organization.country == "CN"
    assert organization.requires_signoff
    assert "Created organization xian" in output and "CN-XIAN" in output


def test_command_accepts_a_json_name_and_market_entity_options():
    run(
        "--slug",
        "rail",
        "--name",
        '{"en": "Silk Road Rail", "zh": "丝路铁路"}',
        "--kind",
        "market_entity",
        "--country",
        "CN",
        "--prefix",
        "CN-SRR",
        "--sector",
        "rail",
        "--registration-id",
        "9144 0300 1922 0382 16",
        "--website",
        "https://rail.example",
    )
    organization = Organization.objects.get(slug="rail")
    assert organization.name == {"en": "Silk Road Rail", "zh": "丝路铁路"}
    assert (organization.sector, organization.registration_id) == ("rail", "914403001922038216")


def test_command_refuses_an_extending_prefix_with_the_reason():
    OrganizationFactory(slug="china", identifier_prefix="CN")
    with pytest.raises(CommandError) as excinfo:
        run(
            "--slug",
            "xian",
            "--name",
            "Xi'an",
            "--kind",
            "local_government",
            "--country",
            "CN",
            "--prefix",
            "CN-XIAN",
        )
    assert str(excinfo.value).startswith("identifier_prefix:")
    assert "china" in str(excinfo.value)
    assert not Organization.objects.filter(slug="xian").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--prefix", "CN XIAN"], "identifier_prefix:"),
        (["--country", "ZZ"], "country:"),
        (["--name", "{not json"], "not valid JSON"),
        (["--name", "{}"], "name:"),
        (["--sector", "rail"], "sector:"),
    ],
)
def test_command_refuses_bad_input_with_a_message(args, expected):
    base = {
        "--slug": "xian",
        "--name": "Xi'an",
        "--kind": "local_government",
        "--country": "CN",
        "--prefix": "CN-XIAN",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError) as excinfo:
        run(*[item for pair in base.items() for item in pair])
    assert expected in str(excinfo.value)
    assert not Organization.objects.filter(slug="xian").exists()


def test_command_refuses_an_unknown_kind_before_touching_the_database():
    with pytest.raises(CommandError) as excinfo:
        run("--slug", "x", "--name", "X", "--kind", "ministry", "--country", "CN", "--prefix", "X")
    assert "--kind" in str(excinfo.value) or "kind" in str(excinfo.value)
    assert not Organization.objects.filter(slug="x").exists()
