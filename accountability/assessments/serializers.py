from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import (
    AssessmentIndicator,
    AssessmentIndicatorKind,
    AssessmentOutcome,
    AssessmentScheme,
    Score,
    Scorecard,
)

POINTS = {"max_digits": 6, "decimal_places": 2}


class AssessmentIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentIndicator
        fields = ("id", "position", "name", "kind", "figure_key", "target", "weight", "guidance")
        read_only_fields = fields


class AssessmentSchemeSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    indicators = AssessmentIndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = AssessmentScheme
        fields = (
            "id",
            "organization",
            "organization_name",
            "year",
            "title",
            "status",
            "grade_good",
            "grade_fairly_good",
            "grade_average",
            "published_at",
            "indicators",
        )
        read_only_fields = fields


class AssessmentSchemeWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    grade_good = serializers.DecimalField(required=False, default=90, **POINTS)
    grade_fairly_good = serializers.DecimalField(required=False, default=80, **POINTS)
    grade_average = serializers.DecimalField(required=False, default=60, **POINTS)


class AssessmentIndicatorWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AssessmentIndicatorKind.choices)
    weight = serializers.DecimalField(**POINTS)
    figure_key = serializers.CharField(required=False, default="", allow_blank=True)
    target = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=None, allow_null=True
    )
    guidance = serializers.CharField(required=False, default="", allow_blank=True)


class AssessmentScoreSerializer(serializers.ModelSerializer):
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    kind = serializers.CharField(source="indicator.kind", read_only=True)
    weight = serializers.DecimalField(source="indicator.weight", read_only=True, **POINTS)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = (
            "id",
            "indicator",
            "indicator_name",
            "kind",
            "weight",
            "value",
            "denominator",
            "formula",
            "source_url",
            "computed_at",
            "points",
            "comment",
            "original_name",
            "evidence_url",
            "scored_at",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_evidence_url(self, obj):
        if not obj.evidence:
            return None
        return reverse("assessments:evidence", args=[obj.pk])


class AssessmentScorecardSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    year = serializers.IntegerField(source="scheme.year", read_only=True)
    assessed_by = serializers.IntegerField(source="scheme.organization_id", read_only=True)
    secretary_name = serializers.CharField(
        source="secretary.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Scorecard
        fields = (
            "id",
            "scheme",
            "year",
            "assessed_by",
            "organization",
            "organization_name",
            "secretary",
            "secretary_name",
            "status",
            "total",
            "grade",
            "finalised_at",
            "outcome",
            "outcome_note",
            "rectification",
            "report_on",
            "report_text",
        )
        read_only_fields = fields


class AssessmentScorecardDetailSerializer(AssessmentScorecardSerializer):
    scores = AssessmentScoreSerializer(many=True, read_only=True)

    class Meta(AssessmentScorecardSerializer.Meta):
        fields = (*AssessmentScorecardSerializer.Meta.fields, "scores")
        read_only_fields = fields


class AssessmentScoreWriteSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    points = serializers.DecimalField(**POINTS)
    comment = serializers.CharField(required=False, default="", allow_blank=True)
    evidence = serializers.FileField(required=False, default=None, allow_null=True)


class AssessmentOutcomeWriteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AssessmentOutcome.choices)
    note = serializers.CharField(required=False, default="", allow_blank=True)
    required = serializers.CharField(required=False, default="", allow_blank=True)
    deadline = serializers.DateField(required=False, default=None, allow_null=True)


class AssessmentReportWriteSerializer(serializers.Serializer):
    on = serializers.DateField()
    text = serializers.CharField(max_length=20000)
