"""API of inspections and spot-checks; every write goes through services.
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from branches.api import as_drf_error
from branches.models import Organization, User

from . import report, selectors, services
from .models import Inspection, SpotCheckFinding
from .serializers import (
    ChecklistSerializer,
    DrawSerializer,
    InspectionFindingSerializer,
    InspectionFindingWriteSerializer,
    InspectionSerializer,
    InspectionWriteSerializer,
    SpotCheckDetailSerializer,
    SpotCheckFindingSerializer,
    SpotCheckFindingWriteSerializer,
    SpotCheckSerializer,
    SpotCheckUnitSerializer,
    SpotCheckWriteSerializer,
    VerifySerializer,
)
from .views import XLSX


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _org(user, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


class SpotCheckViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Random spot-checks (document 3 四, document 4 四): define, draw once, verify, close."""

    serializer_class = SpotCheckSerializer
    filterset_fields = ("status", "year", "organizing_org")

    def get_queryset(self):
        return selectors.spot_checks_for(self.request.user).prefetch_related("inspectors")

    def get_serializer_class(self):
        return SpotCheckSerializer if self.action == "list" else SpotCheckDetailSerializer

    def _done(self, check, code=status.HTTP_200_OK):
        check = get_object_or_404(self.get_queryset(), pk=check.pk)
        return Response(SpotCheckDetailSerializer(check).data, status=code)

    @extend_schema(request=SpotCheckWriteSerializer, responses=SpotCheckDetailSerializer)
    def create(self, request, *args, **kwargs):
        serializer = SpotCheckWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organizer = _org(request.user, data.pop("organizing_org"))
        names = data.pop("inspectors")
        users = list(User.objects.filter(username__in=names, is_active=True))
        missing = sorted(set(names) - {u.username for u in users})
        if missing:
            raise as_drf_error(
                DjangoValidationError(
                    {
                        "inspectors": _("No active user named %(names)s.")
                        % {"names": ", ".join(missing)}
                    }
                )
            )
        check = _call(
            services.spot_check_define,
            actor=request.user,
            organizing_org=organizer,
            inspectors=users,
            **data,
        )
        return self._done(check, status.HTTP_201_CREATED)

    @extend_schema(request=DrawSerializer, responses=SpotCheckDetailSerializer)
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """Draw the sample once, from the given seed or a new random one."""
        check = self.get_object()
        serializer = DrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(
            services.spot_check_draw,
            actor=request.user,
            spot_check=check,
            **serializer.validated_data,
        )
        return self._done(check)

    @extend_schema(request=None, responses=VerifySerializer)
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        """Re-run the draw from the stored seed and population and compare."""
        check = self.get_object()
        result = _call(services.spot_check_verify, spot_check=check)
        return Response(VerifySerializer(result).data)

    @extend_schema(request=None, responses=SpotCheckDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the check; the inspectors' grants are revoked."""
        check = self.get_object()
        _call(services.spot_check_close, actor=request.user, spot_check=check)
        return self._done(check)

    @extend_schema(request=None, responses=SpotCheckDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-reported")
    def mark_reported(self, request, pk=None):
        check = self.get_object()
        _call(services.spot_check_report, actor=request.user, spot_check=check)
        return self._done(check)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="report-pdf")
    def report_pdf(self, request, pk=None):
        check = self.get_object()
        if check.seed is None:
            raise NotFound
        response = HttpResponse(report.pdf_bytes(check), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="spot-check-{check.pk}.pdf"'
        return response

    @extend_schema(request=None, responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="report-xlsx")
    def report_xlsx(self, request, pk=None):
        check = self.get_object()
        if check.seed is None:
            raise NotFound
        response = HttpResponse(report.xlsx_bytes(check), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="spot-check-{check.pk}.xlsx"'
        return response


class SpotCheckUnitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Drawn units with their checklist; inspectors see the units they were granted."""

    serializer_class = SpotCheckUnitSerializer
    filterset_fields = ("spot_check",)

    def get_queryset(self):
        return (
            selectors.units_for(self.request.user)
            .prefetch_related("entries", "members")
            .order_by("spot_check", "position")
        )

    @extend_schema(request=ChecklistSerializer, responses=SpotCheckUnitSerializer)
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        unit = self.get_object()
        serializer = ChecklistSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        results = {r["item"]: (r["result"], r["note"]) for r in data["results"]}
        _call(
            services.checklist_record,
            actor=request.user,
            unit=unit,
            results=results,
            note=data["note"],
        )
        return Response(SpotCheckUnitSerializer(self.get_queryset().get(pk=unit.pk)).data)


class SpotCheckFindingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Findings of spot-checks; each becomes one rectification order."""

    serializer_class = SpotCheckFindingSerializer
    filterset_fields = ("unit", "severity")

    def get_queryset(self):
        return SpotCheckFinding.objects.visible_to(self.request.user).select_related("order")

    @extend_schema(request=SpotCheckFindingWriteSerializer, responses=SpotCheckFindingSerializer)
    def create(self, request, *args, **kwargs):
        serializer = SpotCheckFindingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit = get_object_or_404(selectors.units_for(request.user), pk=data.pop("unit"))
        finding = _call(services.finding_record, actor=request.user, unit=unit, **data)
        return Response(SpotCheckFindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SpotCheckFindingSerializer)
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        """Issue the finding's rectification order (once; again returns the same order)."""
        finding = self.get_object()
        _call(services.finding_issue_order, actor=request.user, finding=finding)
        finding.refresh_from_db()
        return Response(SpotCheckFindingSerializer(finding).data)


class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """督查 / 巡回检查 / 随机抽样检查 with checklist results and findings."""

    serializer_class = InspectionSerializer
    filterset_fields = ("kind", "organizing_org")

    def get_queryset(self):
        return Inspection.objects.visible_to(self.request.user).prefetch_related("organizations")

    @extend_schema(request=InspectionWriteSerializer, responses=InspectionSerializer)
    def create(self, request, *args, **kwargs):
        serializer = InspectionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organizer = _org(request.user, data.pop("organizing_org"))
        ids = data.pop("organizations")
        # Only organisations the user sees: an outside id must not reveal its name.
        orgs = list(Organization.objects.visible_to(request.user).filter(pk__in=ids))
        if len(orgs) != len(set(ids)):
            raise as_drf_error(DjangoValidationError({"organizations": _("No such organisation.")}))
        inspection = _call(
            services.inspection_create,
            actor=request.user,
            organizing_org=organizer,
            organizations=orgs,
            **data,
        )
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InspectionFindingWriteSerializer, responses=InspectionFindingSerializer)
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        """Record a finding on an inspected organisation; its order is issued."""
        inspection = self.get_object()
        serializer = InspectionFindingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = (
            Organization.objects.visible_to(request.user)
            .filter(pk=data.pop("organization"))
            .first()
        )
        finding = _call(
            services.inspection_finding_record,
            actor=request.user,
            inspection=inspection,
            organization=org,
            **data,
        )
        return Response(InspectionFindingSerializer(finding).data, status=status.HTTP_201_CREATED)


routes = [
    ("spot-checks", SpotCheckViewSet, "spot-check"),
    ("spot-check-units", SpotCheckUnitViewSet, "spot-check-unit"),
    ("spot-check-findings", SpotCheckFindingViewSet, "spot-check-finding"),
    ("inspections", InspectionViewSet, "inspection"),
]
