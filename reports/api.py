"""API of year-end reports: list (scoped), create (= request a generation),
retrieve with status and progress.
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from branches.api import as_drf_error

from . import selectors, services
from .models import YearEndReport


class YearEndReportSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    step_label = serializers.CharField(read_only=True)
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = YearEndReport
        fields = (
            "id",
            "organization",
            "organization_name",
            "year",
            "status",
            "progress",
            "step",
            "step_label",
            "generation",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "error",
            "pdf_url",
            "xlsx_url",
        )
        read_only_fields = fields

    def _url(self, report, kind) -> str | None:
        if report.status != "done":
            return None
        from django.urls import reverse

        url = reverse("reports:download", args=[report.pk, kind])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_pdf_url(self, report) -> str | None:
        return self._url(report, "pdf")

    def get_xlsx_url(self, report) -> str | None:
        return self._url(report, "xlsx")


class YearEndReportRequestSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField()


class YearEndReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Year-end reports of organisations whose whole subtree the user's roles reach."""

    serializer_class = YearEndReportSerializer
    filterset_fields = ("year", "status", "organization")
    ordering = ("-year", "organization__code")

    def get_queryset(self):
        return (
            selectors.reports_visible_to(self.request.user)
            .select_related("organization")
            .order_by("-year", "organization__code", "pk")
        )

    @extend_schema(request=YearEndReportRequestSerializer, responses=YearEndReportSerializer)
    def create(self, request, *args, **kwargs):
        """Generate the report (again): a new generation is queued; poll retrieve."""
        serializer = YearEndReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = selectors.organization_or_404(request.user, data["organization"])
        try:
            report = services.year_end_report_request(
                actor=request.user, organization=organization, year=data["year"]
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(
            YearEndReportSerializer(report, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )


routes = [("year-end-reports", YearEndReportViewSet, "year-end-report")]
