from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import RectificationOrder, RectificationUpdate, SourceKind, WeakUnit


class UpdateSerializer(serializers.ModelSerializer):
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = RectificationUpdate
        fields = ("id", "on", "progress", "original_name", "evidence_url", "recorded_at")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_evidence_url(self, obj):
        if not obj.evidence:
            return None
        return reverse("accountability:evidence", args=[obj.pk])


class OrderSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    issued_by_name = serializers.CharField(source="issued_by_org.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = RectificationOrder
        fields = (
            "id",
            "organization",
            "organization_name",
            "issued_by_org",
            "issued_by_name",
            "source_kind",
            "source_ref",
            "problem",
            "required",
            "issued_on",
            "deadline",
            "status",
            "overdue",
            "overdue_since",
            "last_note",
            "submitted_at",
            "accepted_by",
            "accepted_at",
        )
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    updates = UpdateSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = (*OrderSerializer.Meta.fields, "updates")
        read_only_fields = fields


class OrderWriteSerializer(serializers.Serializer):
    issued_by_org = serializers.IntegerField()
    organization = serializers.IntegerField()
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    source_ref = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    problem = serializers.CharField()
    required = serializers.CharField()
    deadline = serializers.DateField()
    issued_on = serializers.DateField(required=False, default=None, allow_null=True)


class ProgressSerializer(serializers.Serializer):
    progress = serializers.CharField()
    on = serializers.DateField(required=False, default=None, allow_null=True)
    evidence = serializers.FileField(required=False, default=None, allow_null=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class WeakUnitSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    identified_by_name = serializers.CharField(source="identified_by_org.name", read_only=True)
    deadline = serializers.DateField(source="order.deadline", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)

    class Meta:
        model = WeakUnit
        fields = (
            "id",
            "organization",
            "organization_name",
            "identified_by_org",
            "identified_by_name",
            "year",
            "identified_on",
            "problems",
            "measures",
            "order",
            "deadline",
            "order_status",
            "status",
            "consolidated_on",
            "result",
        )
        read_only_fields = fields


class WeakUnitWriteSerializer(serializers.Serializer):
    identified_by_org = serializers.IntegerField()
    organization = serializers.IntegerField()
    year = serializers.IntegerField()
    identified_on = serializers.DateField(required=False)
    problems = serializers.CharField()
    measures = serializers.CharField()
    deadline = serializers.DateField()


class ConsolidateSerializer(serializers.Serializer):
    consolidated_on = serializers.DateField()
    result = serializers.CharField()
