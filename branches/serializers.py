from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Organization, OrgKind, OrgLevel, Role, RoleAssignment, Sector, User


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "username", "name", "email", "is_staff", "is_superuser")
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    sector_display = serializers.CharField(source="get_sector_display", read_only=True)

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "code",
            "kind",
            "kind_display",
            "is_mobile_org",
            "level",
            "level_display",
            "sector",
            "sector_display",
            "established",
            "dissolved",
            "parent",
            "province",
            "path",
            "depth",
        )
        read_only_fields = ("dissolved", "province", "path", "depth")


class OrganizationCreateSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text=_("Id of the leading organisation."))
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=32)
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    level = serializers.ChoiceField(choices=OrgLevel.choices)
    sector = serializers.ChoiceField(choices=Sector.choices)
    established = serializers.DateField(required=False, allow_null=True)
    is_mobile_org = serializers.BooleanField(required=False, default=False)


class MoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text=_("Id of the new leading organisation."))


class RoleAssignmentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = (
            "id",
            "user",
            "username",
            "role",
            "role_display",
            "organization",
            "valid_from",
            "valid_to",
            "granted_by",
            "created_at",
        )
        read_only_fields = ("granted_by", "created_at")


class RoleAssignmentCreateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=Role.choices)
    organization = serializers.IntegerField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)


class EndRoleSerializer(serializers.Serializer):
    on = serializers.DateField(help_text=_("Last day of the role."))
