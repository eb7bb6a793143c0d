from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import WrittenReport, WrittenReportFigure


class WrittenReportFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = WrittenReportFigure
        fields = (
            "key",
            "label",
            "unit",
            "value",
            "denominator",
            "formula",
            "records_url",
            "computed_at",
        )
        read_only_fields = fields


class WrittenReportSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = WrittenReport
        fields = (
            "id",
            "organization",
            "organization_name",
            "recipient",
            "recipient_name",
            "year",
            "status",
            "first_submitted_at",
            "submitted_by",
            "submitted_at",
            "returned_by",
            "returned_at",
            "return_note",
            "accepted_by",
            "accepted_at",
            "accept_note",
            "figures_computed_at",
            "pdf_url",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_pdf_url(self, obj):
        return reverse("written_reports:pdf", args=[obj.pk])


class WrittenReportDetailSerializer(WrittenReportSerializer):
    figures = WrittenReportFigureSerializer(many=True, read_only=True)
    plenary_file_url = serializers.SerializerMethodField()

    class Meta(WrittenReportSerializer.Meta):
        fields = (
            *WrittenReportSerializer.Meta.fields,
            "achievements",
            "problems",
            "plans",
            "plenary_on",
            "plenary_note",
            "plenary_file_name",
            "plenary_file_url",
            "figures",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_plenary_file_url(self, obj):
        if not obj.plenary_file:
            return None
        return reverse("written_reports:plenary_file", args=[obj.pk])


class WrittenReportCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2006, max_value=2200)


class WrittenReportSectionsSerializer(serializers.Serializer):
    achievements = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    plans = serializers.CharField(required=False, allow_blank=True)
    plenary_on = serializers.DateField(required=False, allow_null=True)
    plenary_note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    plenary_file = serializers.FileField(required=False, allow_null=True)


class WrittenReportNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
