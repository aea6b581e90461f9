"""Organizations (the tenants), users, memberships, API keys and sister-city links (SPEC 2)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from registry.models import TenantOwned
from registry.multilingual import pick, validate_multilingual
from registry.tenancy import MembershipRole, PlatformRole


class User(AbstractUser):
    """A person. Organizations come through memberships; platform roles are the secretariat's."""

    platform_role = models.CharField(
        max_length=20, choices=PlatformRole.choices, default=PlatformRole.NONE, blank=True
    )
    # The language of the site and of the e-mails this person gets (registry.mail).
    # db_default too: rows written by code that predates the column (older migrations' states).
    language = models.CharField(
        _("Language"), max_length=10, choices=settings.LANGUAGES, default="en", db_default="en"
    )

    class Meta:
        ordering = ["username"]

    @property
    def is_reviewer(self) -> bool:
        return self.platform_role == PlatformRole.REVIEWER

    @property
    def is_platform_admin(self) -> bool:
        return self.platform_role == PlatformRole.PLATFORM_ADMIN


# The organizations' vocabularies, each value with its reader's word (as projects/choices.py).
class OrganizationKind(models.TextChoices):
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    MARKET_ENTITY = "market_entity", _("Market entity")
    SECRETARIAT = "secretariat", _("Secretariat")
    PARTNER = "partner", pgettext_lazy("organization kind", "Partner")


class Sector(models.TextChoices):
    RAIL = "rail", _("Rail")
    AIRLINE = "airline", _("Airline")
    TOUR_OPERATOR = "tour_operator", _("Tour operator")
    INSURER = "insurer", pgettext_lazy("sector", "Insurer")
    HOTEL = "hotel", _("Hotel")
    OTHER = "other", pgettext_lazy("sector", "Other")


validate_identifier_prefix = RegexValidator(
    r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$",
    "Use letters, digits and single '-' between them (for example CN-XIAN).",
    code="invalid_prefix",
)


class Organization(models.Model):
    """The tenant. Addressed by slug; its identifier_prefix starts every record identifier."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.JSONField(validators=[validate_multilingual])
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    country = CountryField()
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    identifier_prefix = models.CharField(
        max_length=40, unique=True, validators=[validate_identifier_prefix]
    )
    registration_id = models.CharField(max_length=64, blank=True, db_index=True)
    sector = models.CharField(max_length=20, choices=Sector.choices, blank=True)
    website = models.URLField(blank=True)
    requires_signoff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Set when this organization was merged into another (accounts.domain.merging): it stays,
    # deactivated, so that the audit log keeps naming it and its identifier prefix stays taken
    # and keeps resolving, to the survivor, the records that moved with their identifiers.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        indexes = [models.Index(fields=["merged_into"], name="organization_merged_into")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sector="") | Q(kind=OrganizationKind.MARKET_ENTITY),
                name="organization_sector_only_for_market_entities",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self):
        if self.identifier_prefix:
            self.identifier_prefix = self.identifier_prefix.upper()
        if self.sector and self.kind != OrganizationKind.MARKET_ENTITY:
            raise ValidationError({"sector": "Only market entities have a sector."})

    @property
    def display_name(self) -> str:
        return pick(self.name) or self.slug

    def merged_prefixes(self) -> list[str]:
        """The prefixes of the organizations merged into this one: records that moved here keep
        their identifiers (IATI: identifiers never change), so these prefixes are its too."""
        merged = Organization.objects.filter(merged_into=self).order_by("identifier_prefix")
        return list(merged.values_list("identifier_prefix", flat=True))

    def ref_of(self, identifier: str) -> str:
        """The ref part of one of its records' identifiers: after its own prefix, or after the
        prefix of an organization merged into it."""
        for prefix in (self.identifier_prefix, *self.merged_prefixes()):
            if identifier.upper().startswith(prefix.upper() + "-"):
                return identifier[len(prefix) + 1 :]
        return identifier[len(self.identifier_prefix) + 1 :]


class Membership(TenantOwned):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=MembershipRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="membership_one_per_user_and_organization"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organization_id}:{self.role}"


class SisterCityStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", pgettext_lazy("sister-city link", "Active")
    DECLINED = "declined", pgettext_lazy("sister-city link", "Declined")
    ENDED = "ended", _("Ended")


OPEN_LINK_STATES = [SisterCityStatus.PROPOSED, SisterCityStatus.ACTIVE]


class SisterCityLink(TenantOwned):
    """A partnership of two local governments; `organization` is the side that proposed it.

    Two-party consent: proposed by one side's admin, accepted or declined by the other's;
    either side may end an active link. Only active links are public.
    """

    partner = models.ForeignKey(
        db_index=False, to=Organization, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=SisterCityStatus.choices, default=SisterCityStatus.PROPOSED
    )
    note = models.CharField(max_length=300, blank=True)
    established_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        db_index=False, to=User, on_delete=models.PROTECT, related_name="+"
    )
    responded_by = models.ForeignKey(
        db_index=False, to=User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ended_by = models.ForeignKey(
        db_index=False, to=User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "partner_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(organization=models.F("partner")), name="sister_city_not_self"
            ),
            # One open (proposed or active) link per ordered pair; the service also refuses the
            # reverse pair, under a lock, since a link has no direction once accepted.
            models.UniqueConstraint(
                fields=["organization", "partner"],
                condition=Q(status__in=OPEN_LINK_STATES),
                name="sister_city_one_open_link_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="sister_city_org_status")]

    def __str__(self) -> str:
        return f"{self.organization_id}<->{self.partner_id} ({self.status})"

    def involves(self, organization_id: int) -> bool:
        return organization_id in (self.organization_id, self.partner_id)


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")


class ApiKey(TenantOwned):
    """A partner's key: one user, one organization, scopes. Only a hash is stored (SPEC 6)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=128)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The key that created this one through the API, if any: this key lives only while that one
    # does (checked at authentication) and expires no later (set at creation).
    created_by_key = models.ForeignKey(
        "self",
        db_index=False,
        on_delete=models.CASCADE,
        related_name="created_keys",
        null=True,
        blank=True,
    )

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "-created_at"]
        indexes = [
            models.Index(fields=["organization", "created_by_key"], name="api_key_org_parent"),
        ]
        # `prefix` is unique across organizations on purpose: authentication must find a key
        # before it knows the organization. On a distributed database this small table would be
        # a reference table; tests/test_model_walk.py lists this as its one exemption.

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKOUT = "lockout", _("Sign-in locked out")
    API_KEY_FAILED = "api_key_failed", _("API key refused")
    API_KEY_LOCKOUT = "api_key_lockout", _("API keys locked out for an address")


class SecurityEvent(models.Model):
    """One sign-in, failed sign-in or lockout (docs/security.md). Append-only, like the audit
    log: database triggers refuse UPDATE and DELETE (accounts/migrations/0003).

    Not tenant-owned: these happen before anyone is known to act for an organization (a failed
    sign-in may name no real user at all). Written only by `accounts.domain.security.record_event`;
    read by platform admins in the admin. Refusals of actions on records go to the record's own
    audit log instead (projects.domain.refusals).
    """

    # The application's database role may only read and add rows (setup_database_roles).
    append_only = True

    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # What was typed (failed sign-ins), cut to the field's length.
    username = models.CharField(max_length=150, blank=True)
    address = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="security_event_kind_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username or '-'}"


class Invitation(TenantOwned):
    """An organization's admin invites an e-mail address with a role (issue 17).

    Only a hash of the token travels back to the database; the token itself is only in the
    e-mail. Single use, valid `INVITATION_DAYS`; only acceptance creates the membership
    (accounts.domain.invitations). The token page finds the row by its hash before anyone is
    known, through one narrow row-level policy (registry.rls.presenting_invitation).
    """

    email = models.EmailField()
    role = models.CharField(max_length=10, choices=MembershipRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        db_index=False, to=User, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        db_index=False, to=User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "-created_at"]
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email")]

    def __str__(self) -> str:
        return f"{self.email}@{self.organization_id}:{self.role}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("application", "Pending")
    APPROVED = "approved", pgettext_lazy("application", "Approved")
    DECLINED = "declined", pgettext_lazy("application", "Declined")


class OrganizationApplication(models.Model):
    """An organization that asks to join (issue 17), before it exists: not tenant-owned.

    Written by anyone at /organizations/apply/, read and decided by platform admins only
    (accounts.domain.applications).
    """

    name = models.JSONField(validators=[validate_multilingual])
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    country = CountryField()
    registration_id = models.CharField(max_length=64, blank=True)
    website = models.URLField(blank=True)
    applicant_name = models.CharField(max_length=150)
    applicant_email = models.EmailField()
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decline_reason = models.TextField(blank=True)
    # The organization an approval created (not a tenant: the application is no one's row).
    created_organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="application_status_time")]

    def __str__(self) -> str:
        return f"{pick(self.name)} ({self.status})"

    @property
    def display_name(self) -> str:
        return pick(self.name) or self.applicant_email
