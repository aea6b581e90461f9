"""The Django admin, for platform admins only, reading rows through the tenant boundary."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from registry.tenancy import actor_for_request, visible


class RegistryAdminSite(admin.AdminSite):
    site_header = "Silk Road Cooperation Registry"
    site_title = "Registry admin"
    index_title = "Platform administration"

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated and user.is_platform_admin):
            return False
        return self.second_factor_passed(request)

    @staticmethod
    def second_factor_passed(request) -> bool:
        """A platform admin whose role needs two-factor (MFA_REQUIRED_ROLES) reaches the admin
        only from a session that passed it (django-otp's OTPMiddleware tells)."""
        roles = {r.strip() for r in settings.MFA_REQUIRED_ROLES.split(",") if r.strip()}
        if request.user.platform_role not in roles:
            return True
        verified = getattr(request.user, "is_verified", None)
        return bool(verified and verified())

    def login(self, request, extra_context=None):
        """The site's own sign-in (lockout, second factor), never a second way in."""
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows come from registry.tenancy, like every other face's.

    Only platform admins reach the admin, and they see everything; the scoping is kept anyway so
    that opening the admin to anyone else could never show them another organization's rows.
    """

    def get_queryset(self, request):
        qs = visible(actor_for_request(request), self.model)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)
