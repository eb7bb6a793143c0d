from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    ExportRecord,
    GuidanceEdge,
    Organization,
    PolicyOverride,
    RoleAssignment,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "name", "email", "is_staff", "is_active")
    search_fields = ("username", "name", "email")
    ordering = ("username",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Tree, roles and policies change through the pages and the API, whose
    services check scope and the rules; the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "kind", "level", "sector", "dissolved")
    list_filter = ("kind", "level", "sector", "is_mobile_org")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    show_full_result_count = False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "organization", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__username", "user__name", "organization__name")
    list_select_related = ("user", "organization")


@admin.register(PolicyOverride)
class PolicyOverrideAdmin(ReadOnlyAdmin):
    list_display = ("organization", "key", "value", "valid_from", "valid_to")
    list_select_related = ("organization",)


@admin.register(GuidanceEdge)
class GuidanceEdgeAdmin(ReadOnlyAdmin):
    list_display = ("guide", "guided", "basis", "valid_from", "valid_to")
    list_select_related = ("guide", "guided")


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    """Append-only: who exported what; nobody edits or deletes it."""

    list_display = ("at", "user", "what", "organization", "row_count", "path")
    list_filter = ("what",)
    search_fields = ("user__username", "user__name", "what", "path")
    list_select_related = ("user", "organization")
    date_hierarchy = "at"
    show_full_result_count = False
