"""JSON shapes of organizations, sister-city links and API keys."""

from rest_framework import serializers

from accounts.domain.services import ORGANIZATION_FIELDS
from accounts.models import ApiKey, ApiKeyScope, Organization, SisterCityLink


class OrganizationSerializer(serializers.ModelSerializer):
    name = serializers.DictField(child=serializers.CharField())
    country = serializers.CharField(source="country.code")
    website = serializers.CharField(help_text="a URL, or empty")
    sector = serializers.CharField(
        help_text="rail, airline, tour_operator, insurer, hotel, other or empty"
    )

    class Meta:
        model = Organization
        fields = (
            "slug",
            "identifier_prefix",
            *ORGANIZATION_FIELDS,
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class SisterCityLinkSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = SisterCityLink
        fields = (
            "id",
            "organization",
            "partner",
            "status",
            "note",
            "established_on",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ApiKeySerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKeyScope.choices))

    class Meta:
        model = ApiKey
        fields = (
            "prefix",
            "name",
            "organization",
            "user",
            "scopes",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        )
        read_only_fields = fields


class NewApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="the whole key; shown only in this response")

    class Meta(ApiKeySerializer.Meta):
        fields = ("key", *ApiKeySerializer.Meta.fields)
        read_only_fields = fields


class ApiKeyRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.choices), min_length=1
    )
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    organization = serializers.CharField(
        required=False, help_text="slug of one of your organizations (the key's, for key callers)"
    )


class SisterCityProposalSerializer(serializers.Serializer):
    partner = serializers.CharField(help_text="the partner local government's slug")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    organization = serializers.CharField(
        required=False, help_text="optional; your proposing organization's slug"
    )
