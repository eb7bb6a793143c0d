"""REST API for activities, attendance and yearly totals: scoped reads,
writes through the services."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from branches.api import as_drf_error, visible_org_or_404
from members.models import Member

from . import selectors, services
from .models import Activity, Attendance
from .serializers import (
    ActivitySerializer,
    ActivityWriteSerializer,
    AttendanceSaveSerializer,
    AttendanceSerializer,
    YearStatusSerializer,
)


class ActivityFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    year = django_filters.NumberFilter(field_name="starts_at", lookup_expr="year")

    class Meta:
        model = Activity
        fields = ("organization", "kind", "year")


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering = ("-starts_at",)

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user)

    @extend_schema(request=ActivityWriteSerializer, responses=ActivitySerializer)
    def create(self, request, *args, **kwargs):
        serializer = ActivityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = visible_org_or_404(request.user, data.pop("organization"))
        try:
            activity = services.activity_create(
                actor=request.user, organization=organization, **data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=AttendanceSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=AttendanceSaveSerializer,
        responses=AttendanceSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        activity = self.get_object()
        if request.method == "POST":
            serializer = AttendanceSaveSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            exceptions = {
                e["member"]: {k: v for k, v in e.items() if k != "member"}
                for e in serializer.validated_data["exceptions"]
            }
            try:
                services.attendance_save(
                    actor=request.user, activity=activity, exceptions=exceptions
                )
            except DjangoValidationError as error:
                raise as_drf_error(error) from None
        rows = (
            Attendance.objects.visible_to(request.user)
            .filter(activity=activity)
            .select_related("member")
            .order_by("member__name")
        )
        return Response(AttendanceSerializer(rows, many=True).data)


class YearStatusViewSet(viewsets.GenericViewSet):
    """Members' education year against the requirement (document 1, 三（四）)."""

    serializer_class = YearStatusSerializer

    def get_queryset(self):
        return (
            Member.objects.visible_to(self.request.user)
            .filter(left_on__isnull=True)
            .select_related("branch")
            .order_by("branch_id", "name")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="Default: this year."),
            OpenApiParameter("branch", int, description="Only this branch's members."),
        ],
        responses=YearStatusSerializer(many=True),
    )
    def list(self, request):
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
            branch = request.query_params.get("branch")
            members = self.get_queryset()
            if branch:
                members = members.filter(branch_id=int(branch))
        except ValueError:
            raise ValidationError({"year": [_("Year and branch must be numbers.")]}) from None
        page = self.paginate_queryset(members)
        return self.get_paginated_response(
            YearStatusSerializer(selectors.year_statuses(page, year), many=True).data
        )
