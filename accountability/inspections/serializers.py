from rest_framework import serializers

from .models import (
    Inspection,
    InspectionEntry,
    InspectionFinding,
    InspectionKind,
    InspectionResult,
    InspectionSeverity,
    SpotCheck,
    SpotCheckEntry,
    SpotCheckFinding,
    SpotCheckItem,
    SpotCheckUnit,
)


class SpotCheckSerializer(serializers.ModelSerializer):
    organizing_org_name = serializers.CharField(source="organizing_org.name", read_only=True)

    class Meta:
        model = SpotCheck
        fields = (
            "id",
            "organizing_org",
            "organizing_org_name",
            "year",
            "title",
            "branch_sample",
            "members_per_branch",
            "period_start",
            "period_end",
            "access_expires_at",
            "inspectors",
            "status",
            "seed",
            "drawn_at",
            "closed_at",
        )
        read_only_fields = fields


class SpotCheckDetailSerializer(SpotCheckSerializer):
    class Meta(SpotCheckSerializer.Meta):
        fields = (*SpotCheckSerializer.Meta.fields, "population", "population_digest")
        read_only_fields = fields


class SpotCheckWriteSerializer(serializers.Serializer):
    organizing_org = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    branch_sample = serializers.IntegerField(min_value=1, max_value=1000)
    members_per_branch = serializers.IntegerField(min_value=0, max_value=100)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    inspectors = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Usernames."
    )
    access_expires_at = serializers.DateTimeField(required=False, default=None, allow_null=True)


class DrawSerializer(serializers.Serializer):
    seed = serializers.IntegerField(
        required=False, default=None, allow_null=True, min_value=0, max_value=2**63 - 1
    )


class VerifySerializer(serializers.Serializer):
    matches = serializers.BooleanField()
    digest_ok = serializers.BooleanField()
    draw_ok = serializers.BooleanField()


class SpotCheckEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = SpotCheckEntry
        fields = ("item", "result", "note", "checked_at")
        read_only_fields = fields


class SpotCheckUnitSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    entries = SpotCheckEntrySerializer(many=True, read_only=True)
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SpotCheckUnit
        fields = (
            "id",
            "spot_check",
            "branch",
            "branch_name",
            "stratum",
            "position",
            "members",
            "note",
            "entries",
        )
        read_only_fields = fields


class ChecklistItemSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=SpotCheckItem.choices)
    result = serializers.ChoiceField(choices=InspectionResult.choices)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class ChecklistSerializer(serializers.Serializer):
    results = ChecklistItemSerializer(many=True)
    note = serializers.CharField(required=False, default="", allow_blank=True)


class SpotCheckFindingSerializer(serializers.ModelSerializer):
    order_status = serializers.CharField(source="order.status", read_only=True, default=None)

    class Meta:
        model = SpotCheckFinding
        fields = (
            "id",
            "unit",
            "problem",
            "required",
            "severity",
            "deadline",
            "order",
            "order_status",
            "created_at",
        )
        read_only_fields = fields


class SpotCheckFindingWriteSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    problem = serializers.CharField()
    required = serializers.CharField()
    severity = serializers.ChoiceField(choices=InspectionSeverity.choices)
    deadline = serializers.DateField()


class InspectionEntrySerializer(serializers.ModelSerializer):
    item_text = serializers.CharField(source="item.text", read_only=True)

    class Meta:
        model = InspectionEntry
        fields = ("id", "item", "item_text", "organization", "result", "note")
        read_only_fields = fields


class InspectionFindingSerializer(serializers.ModelSerializer):
    order_status = serializers.CharField(source="order.status", read_only=True, default=None)

    class Meta:
        model = InspectionFinding
        fields = (
            "id",
            "inspection",
            "organization",
            "problem",
            "required",
            "severity",
            "deadline",
            "order",
            "order_status",
        )
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inspection
        fields = (
            "id",
            "organizing_org",
            "kind",
            "title",
            "period_start",
            "period_end",
            "organizations",
            "follow_up",
        )
        read_only_fields = fields


class InspectionWriteSerializer(serializers.Serializer):
    organizing_org = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    title = serializers.CharField(max_length=200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    organizations = serializers.ListField(child=serializers.IntegerField())
    items = serializers.ListField(child=serializers.CharField(max_length=300))


class InspectionFindingWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    problem = serializers.CharField()
    required = serializers.CharField()
    severity = serializers.ChoiceField(choices=InspectionSeverity.choices)
    deadline = serializers.DateField()
