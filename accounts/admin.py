"""The admin for organizations and people: platform admins only, rows through the boundary.

Where accounts.domain.services owns a change (memberships, platform roles, organization rules), the
admin calls it, so a platform admin cannot do here what the services would refuse. Sister-city
links change only by the two cities' consent, and API keys only by their owners: both are
read-only here. So are invitations (an organization's admin sends, resends and revokes them on
the members page) and organization applications (decided on the platform admin's dashboard,
which tells the applicant): the admin only lists and finds them.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.domain import duplicates, lockout, merging, services
from accounts.domain.security import record_event
from accounts.models import (
    ApiKey,
    Invitation,
    Membership,
    Organization,
    OrganizationApplication,
    SecurityEvent,
    SecurityEventKind,
    SisterCityLink,
    User,
)
from registry.admin_site import ScopedAdmin
from registry.tenancy import NotAllowed, actor_for_request, visible

# Roles live in memberships and platform_role; Django's groups are not used.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


def _raise_on_form(form: forms.ModelForm, error: ValidationError) -> None:
    """Show a service's refusal on the form, next to the field it names where possible."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = ("slug", "identifier_prefix", *services.ORGANIZATION_FIELDS)

    def clean(self):
        cleaned = super().clean()
        prefix = cleaned.get("identifier_prefix")
        if prefix and "identifier_prefix" in self.fields:
            try:
                services.check_identifier_prefix(prefix, exclude_pk=self.instance.pk)
            except ValidationError as error:
                _raise_on_form(self, error)
        if cleaned.get("registration_id") and cleaned.get("country"):
            candidate = Organization(
                pk=self.instance.pk,
                country=cleaned["country"],
                registration_id=cleaned["registration_id"],
            )
            try:
                services.check_registration_id(candidate)
            except ValidationError as error:
                _raise_on_form(self, error)
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    form = OrganizationForm
    list_display = (
        "slug",
        "display_name",
        "kind",
        "country",
        "city",
        "identifier_prefix",
        "sector",
        "requires_signoff",
        "is_active",
    )
    list_filter = ("kind", "country", "sector", "requires_signoff", "is_active")
    search_fields = ("slug", "name", "identifier_prefix", "city", "registration_id")
    readonly_fields = ("merged_into", "created_at", "updated_at")
    # Adds a "Likely duplicates" button to the list.
    change_list_template = "admin/accounts/organization/change_list.html"

    def get_urls(self):
        own = [
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name="accounts_organization_duplicates",
            ),
            path(
                "merge/",
                self.admin_site.admin_view(self.merge_view),
                name="accounts_organization_merge",
            ),
        ]
        return own + super().get_urls()

    def duplicates_view(self, request):
        """Pairs in one country with the same registration number or very similar names."""
        organizations = visible(actor_for_request(request), Organization)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Likely duplicate organizations",
            "pairs": duplicates.likely_duplicates(organizations),
        }
        return TemplateResponse(request, "admin/accounts/organization/duplicates.html", context)

    def _pair(self, request, data):
        organizations = visible(actor_for_request(request), Organization)
        try:
            merged = organizations.get(pk=int(data.get("merged", "")))
            survivor = organizations.get(pk=int(data.get("survivor", "")))
        except (ValueError, Organization.DoesNotExist):
            raise Http404("Choose two organizations to merge.") from None
        return merged, survivor

    def merge_view(self, request):
        """GET: what would move; POST: merge `merged` into `survivor` (accounts.domain.merging)."""
        merged, survivor = self._pair(request, request.POST or request.GET)
        if request.method == "POST":
            try:
                result = merging.merge_organizations(actor_for_request(request), merged, survivor)
            except (ValidationError, merging.MergeConflict, NotAllowed) as error:
                text = getattr(error, "message", None) or "; ".join(getattr(error, "messages", []))
                messages.error(request, text or str(error))
            else:
                messages.success(request, result.summary)
                return redirect(reverse("admin:accounts_organization_change", args=[survivor.pk]))
        problem = None
        try:
            merging.check_merge(merged, survivor)
        except ValidationError as error:
            problem = " ".join(error.messages)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Merge {merged.slug} into {survivor.slug}",
            "merged": merged,
            "survivor": survivor,
            "references": merging.references_to(merged),
            "problem": problem,
        }
        return TemplateResponse(request, "admin/accounts/organization/merge.html", context)

    def get_readonly_fields(self, request, obj=None):
        # The prefix starts every record identifier, and identifiers are immutable.
        fixed = ("identifier_prefix",) if obj is not None else ()
        return (*fixed, *super().get_readonly_fields(request, obj))

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead (is_active): records and history stay intact

    def save_model(self, request, obj, form, change):
        details = {name: getattr(obj, name) for name in services.ORGANIZATION_FIELDS}
        if change:
            saved = services.update_organization(obj, **details)
        else:
            is_active = details.pop("is_active")
            saved = services.create_organization(
                obj.slug,
                details.pop("name"),
                details.pop("kind"),
                details.pop("country"),
                obj.identifier_prefix,
                **details,
            )
            if not is_active:
                saved = services.update_organization(saved, is_active=False)
        obj.pk = saved.pk


class UserChangeForm(DjangoUserAdmin.form):
    def clean_platform_role(self):
        role = self.cleaned_data.get("platform_role") or ""
        try:
            services.check_platform_role(self.instance, role)
        except ValidationError as error:
            raise ValidationError(error.message_dict["platform_role"]) from error
        return role


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    form = UserChangeForm
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "platform_role",
        "is_staff",
        "is_active",
    )
    list_filter = ("platform_role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Registry",
            {
                "fields": ("platform_role",),
                "description": (
                    "Platform roles belong to secretariat people; platform_admin also opens "
                    "this admin (is_staff follows it)."
                ),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Through the service: it keeps is_staff in step with the platform role.
        services.set_platform_role(obj, obj.platform_role)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("organization", "user", "role")

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization") or self.instance_organization()
        user = cleaned.get("user") or self.instance_user()
        if organization is not None and user is not None and cleaned.get("role"):
            try:
                services.check_membership(user, organization, cleaned["role"])
            except ValidationError as error:
                _raise_on_form(self, error)
        return cleaned

    def instance_organization(self):
        return self.instance.organization if self.instance.organization_id else None

    def instance_user(self):
        return self.instance.user if self.instance.user_id else None


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__username", "user__email", "organization__slug")
    list_select_related = ("user", "organization")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        fixed = ("organization", "user") if obj is not None else ()
        return (*fixed, *super().get_readonly_fields(request, obj))

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        try:  # e.g. a reviewer's last secretariat membership while they belong elsewhere
            services.check_remove_membership(obj.user, obj.organization)
        except ValidationError:
            return False
        return True

    def save_model(self, request, obj, form, change):
        obj.pk = services.add_membership(obj.user, obj.organization, obj.role).pk

    def delete_model(self, request, obj):
        services.remove_membership(obj.user, obj.organization)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organization"):
            services.remove_membership(membership.user, membership.organization)


@admin.register(SisterCityLink)
class SisterCityLinkAdmin(ScopedAdmin):
    list_display = ("organization", "partner", "status", "established_on", "updated_at")
    list_filter = ("status", "organization", "partner")
    search_fields = ("organization__slug", "partner__slug", "note")
    list_select_related = ("organization", "partner")
    readonly_fields = (
        "organization",
        "partner",
        "status",
        "note",
        "established_on",
        "proposed_by",
        "responded_by",
        "ended_by",
        "created_at",
        "updated_at",
    )

    # Only the two cities' admins change a link (propose, accept, decline, end).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdmin):
    list_display = (
        "prefix",
        "name",
        "user",
        "organization",
        "scopes",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("organization",)
    search_fields = ("prefix", "name", "user__username", "organization__slug")
    list_select_related = ("user", "organization")
    # The hash is never shown; the key itself is shown once, to its owner, when created.
    exclude = ("key_hash",)
    readonly_fields = (*list_display, "created_by_key", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ScopedAdmin):
    """Sign-ins, failed sign-ins and lockouts: read-only, like the log itself (append-only)."""

    list_display = ("created_at", "kind", "username", "user", "address", "path", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "address", "detail")
    list_select_related = ("user",)
    readonly_fields = list_display
    actions = ["lift_lockout"]

    @admin.action(
        description=gettext_lazy("Lift the sign-in lockout of these people and addresses")
    )
    def lift_lockout(self, request, queryset):
        """A platform admin ends a lockout: pick its event (or any event of that username or
        address) and lift it. The lifting is logged in turn."""
        lifted = 0
        for event in queryset.filter(kind__in=["lockout", "login_failed"]):
            lockout.lift(username=event.username, address=event.address)
            record_event(
                SecurityEventKind.LOCKOUT,
                request,
                username=event.username,
                detail=f"lockout lifted by {request.user.get_username()} "
                f"(address {event.address or '-'})",
            )
            lifted += 1
        self.message_user(request, _("Lockouts lifted: %(count)d.") % {"count": lifted})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ScopedAdmin):
    """A list to read and search, and each row's page to read: no add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Who was invited where, by whom, and what became of it. The token's hash is never shown
    (the token itself is only in the e-mail)."""

    list_display = (
        "email",
        "organization",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )
    list_filter = (
        "role",
        ("accepted_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
        "organization",
    )
    search_fields = ("email", "organization__slug", "invited_by__username", "accepted_by__username")
    list_select_related = ("organization", "invited_by", "accepted_by")
    exclude = ("token_hash",)
    readonly_fields = list_display


@admin.register(OrganizationApplication)
class OrganizationApplicationAdmin(ReadOnlyAdmin):
    """Applications to join, every state; approving or declining is on the dashboard."""

    list_display = (
        "display_name",
        "kind",
        "country",
        "applicant_name",
        "applicant_email",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "created_organization",
    )
    list_filter = ("status", "kind", "country")
    search_fields = ("name", "applicant_name", "applicant_email", "registration_id", "website")
    list_select_related = ("decided_by", "created_organization")
    readonly_fields = (
        "name",
        "kind",
        "country",
        "registration_id",
        "website",
        "applicant_name",
        "applicant_email",
        "language",
        "status",
        "decline_reason",
        "created_organization",
        "decided_by",
        "decided_at",
        "created_at",
    )
