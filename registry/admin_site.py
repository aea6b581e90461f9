"""The Django admin, for platform admins only, reading rows through the tenant boundary."""

from django.contrib import admin

from registry.tenancy import actor_for_request, visible


class RegistryAdminSite(admin.AdminSite):
    site_header = "Silk Road Cooperation Registry"
    site_title = "Registry admin"
    index_title = "Platform administration"

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_authenticated and user.is_platform_admin)


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
