"""API of the mobile-member database and the year-end reports (/api/v1/)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from branches.api import as_drf_error, visible_org_or_404

from . import registry, year_report
from .models import CertificateStatus, Episode, MobilityYearReport


class MobileDatabaseRowSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    outflow_branch_name = serializers.CharField(source="outflow_branch.name", read_only=True)
    inflow_organization_name = serializers.CharField(
        source="inflow_organization.name", read_only=True, default=None
    )
    certificate_status = serializers.ChoiceField(
        choices=CertificateStatus.choices, read_only=True, allow_null=True
    )
    months_away = serializers.SerializerMethodField()

    def get_months_away(self, episode) -> int:
        today = self.context.setdefault("today", timezone.localdate())
        return registry.months_away(episode, today)

    class Meta:
        model = Episode
        fields = (
            "id",
            "member",
            "member_name",
            "outflow_branch",
            "outflow_branch_name",
            "destination_region",
            "destination_employer",
            "contact",
            "reason",
            "started_on",
            "months_away",
            "expected_return",
            "inflow_organization",
            "inflow_organization_name",
            "status",
            "returned_on",
            "certificate_status",
            "last_contact_on",
            "lost_contact_since",
        )
        read_only_fields = fields


DATABASE_PARAMETERS = [
    OpenApiParameter("organization", OpenApiTypes.INT, required=True),
    OpenApiParameter("side", OpenApiTypes.STR, enum=list(registry.SIDES)),
    OpenApiParameter("status", OpenApiTypes.STR),
    OpenApiParameter("region", OpenApiTypes.STR, description="destination contains"),
    OpenApiParameter("reason", OpenApiTypes.STR),
    OpenApiParameter("away_months", OpenApiTypes.INT, description="away more than N months"),
    OpenApiParameter("lost_contact", OpenApiTypes.BOOL),
    OpenApiParameter("certificate", OpenApiTypes.STR, description="certificate status or 'none'"),
    OpenApiParameter("q", OpenApiTypes.STR, description="member name contains"),
]


class MobileDatabaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """流动党员信息库: one side (out or in) of an organisation's subtree."""

    serializer_class = MobileDatabaseRowSerializer
    queryset = Episode.objects.none()  # for the schema; get_queryset does the work

    def get_queryset(self):
        raw = self.request.query_params.get("organization")
        if not raw or not raw.isdigit():
            raise ValidationError({"organization": [_("Give the organisation's id.")]})
        organization = visible_org_or_404(self.request.user, int(raw))
        filters = registry.DatabaseFilters.from_params(self.request.query_params)
        return registry.database_episodes(
            user=self.request.user, organization=organization, filters=filters
        )

    @extend_schema(parameters=DATABASE_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class MobilityYearReportSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    late = serializers.SerializerMethodField()

    class Meta:
        model = MobilityYearReport
        fields = (
            "id",
            "organization",
            "organization_name",
            "year",
            "status",
            "figures",
            "generated_at",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "late",
        )
        read_only_fields = fields

    def get_late(self, report) -> bool:
        return year_report.is_late(report, report.year)


class YearReportGenerateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField()


class YearReportNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class MobilityYearReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MobilityYearReportSerializer
    filterset_fields = ("year", "status", "organization")
    ordering = ("-year", "organization__code")

    def get_queryset(self):
        return MobilityYearReport.objects.visible_to(self.request.user).select_related(
            "organization"
        )

    @extend_schema(request=YearReportGenerateSerializer, responses=MobilityYearReportSerializer)
    def create(self, request, *args, **kwargs):
        """Create or refresh the draft and queue its computation."""
        serializer = YearReportGenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = visible_org_or_404(request.user, data["organization"])
        try:
            report = year_report.year_report_generate(
                actor=request.user, organization=organization, year=data["year"]
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(MobilityYearReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    def _call(self, call):
        try:
            report = call()
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(MobilityYearReportSerializer(report).data)

    @extend_schema(request=None, responses=MobilityYearReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        return self._call(lambda: year_report.year_report_submit(actor=request.user, report=report))

    @extend_schema(request=YearReportNoteSerializer, responses=MobilityYearReportSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        report = self.get_object()
        serializer = YearReportNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        return self._call(
            lambda: year_report.year_report_accept(actor=request.user, report=report, note=note)
        )

    @extend_schema(request=YearReportNoteSerializer, responses=MobilityYearReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        report = self.get_object()
        serializer = YearReportNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        return self._call(
            lambda: year_report.year_report_return(actor=request.user, report=report, note=note)
        )
