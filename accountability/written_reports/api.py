"""API of annual written reports; every write goes through services.
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from branches.api import as_drf_error
from branches.models import Organization

from . import services
from .models import WrittenReport, WrittenReportFigure
from .serializers import (
    WrittenReportCreateSerializer,
    WrittenReportDetailSerializer,
    WrittenReportNoteSerializer,
    WrittenReportSectionsSerializer,
    WrittenReportSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


@extend_schema(
    parameters=[
        OpenApiParameter("organization", int, description="Only reports of this organisation."),
        OpenApiParameter("recipient", int, description="Only reports to this organisation."),
    ]
)
class WrittenReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Annual written reports on party building at the grassroots (document 4, 四)."""

    serializer_class = WrittenReportSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ("status", "year")
    ordering = ("-year", "id")

    def get_queryset(self):
        queryset = WrittenReport.objects.visible_to(self.request.user).select_related(
            "organization", "recipient"
        )
        if self.action == "list":
            params = self.request.query_params
            for param in ("organization", "recipient"):
                value = params.get(param)
                if value:
                    if not (value.isascii() and value.isdigit()):
                        return queryset.none()
                    queryset = queryset.filter(**{f"{param}_id": int(value)})
        else:
            queryset = queryset.prefetch_related(
                Prefetch("figures", queryset=WrittenReportFigure.objects.order_by("position"))
            )
        return queryset.order_by("-year", "pk")

    def get_serializer_class(self):
        return WrittenReportSerializer if self.action == "list" else WrittenReportDetailSerializer

    def _done(self, report, code=status.HTTP_200_OK):
        report = get_object_or_404(self.get_queryset(), pk=report.pk)
        return Response(WrittenReportDetailSerializer(report).data, status=code)

    @extend_schema(request=WrittenReportCreateSerializer, responses=WrittenReportDetailSerializer)
    def create(self, request, *args, **kwargs):
        serializer = WrittenReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = get_object_or_404(
            Organization.objects.visible_to(request.user),
            pk=serializer.validated_data["organization"],
        )
        report = _call(
            services.report_start,
            actor=request.user,
            organization=org,
            year=serializer.validated_data["year"],
        )
        return self._done(report, status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": WrittenReportSectionsSerializer,
            "multipart/form-data": WrittenReportSectionsSerializer,
        },
        responses=WrittenReportDetailSerializer,
    )
    def partial_update(self, request, pk=None):
        """Save the sections of a draft or returned report."""
        report = self.get_object()
        serializer = WrittenReportSectionsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        _call(
            services.report_update,
            actor=request.user,
            report=report,
            **serializer.validated_data,
        )
        return self._done(report)

    @extend_schema(request=None, responses=WrittenReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """Compute the figures again (draft or returned only)."""
        report = self.get_object()
        _call(services.report_recompute, actor=request.user, report=report)
        return self._done(report)

    @extend_schema(request=None, responses=WrittenReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit (or resubmit) the report to the recipient; the figures are frozen."""
        report = self.get_object()
        _call(services.report_submit, actor=request.user, report=report)
        return self._done(report)

    def _decide(self, request, service):
        report = self.get_object()
        serializer = WrittenReportNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(service, actor=request.user, report=report, **serializer.validated_data)
        return self._done(report)

    @extend_schema(request=WrittenReportNoteSerializer, responses=WrittenReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The recipient accepts the report."""
        return self._decide(request, services.report_accept)

    @extend_schema(request=WrittenReportNoteSerializer, responses=WrittenReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        """The recipient returns the report for revision, with a note."""
        return self._decide(request, services.report_return)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The report as a PDF."""
        from .views import pdf_response

        return pdf_response(request, self.get_object())


routes = [
    ("written-reports", WrittenReportViewSet, "written-report"),
]
