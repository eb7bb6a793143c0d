"""REST API for self-study, study plans and closed education years: scoped
reads, writes through the services (registered in config/urls.py)."""

from decimal import Decimal

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from branches.api import as_drf_error, visible_org_or_404
from members.models import Member

from . import selectors, services
from .models import SelfStudy, StudyPlan, Textbook, YearClosure

# --- Serializers ---------------------------------------------------------------------


class SelfStudySerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = SelfStudy
        fields = ("id", "member", "member_name", "on", "hours", "material", "textbook", "notes")
        read_only_fields = fields


class SelfStudyWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    on = serializers.DateField()
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.1"), max_value=Decimal("24")
    )
    material = serializers.CharField(max_length=200)
    textbook = serializers.IntegerField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Reason for the correction; required when the year is closed."),
    )


class StudyPlanSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = StudyPlan
        fields = ("id", "member", "member_name", "year", "content", "updated_at")
        read_only_fields = fields


class StudyPlanWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    year = serializers.IntegerField()
    content = serializers.CharField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class YearClosureSerializer(serializers.ModelSerializer):
    province = serializers.IntegerField(source="organization_id", read_only=True)
    province_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = YearClosure
        fields = ("id", "province", "province_name", "year", "closed_at", "members", "short")
        read_only_fields = fields


class YearCloseSerializer(serializers.Serializer):
    province = serializers.IntegerField()
    year = serializers.IntegerField()


# --- Viewsets ----------------------------------------------------------------------------


class SelfStudyFilter(django_filters.FilterSet):
    member = django_filters.NumberFilter(field_name="member_id")
    year = django_filters.NumberFilter(
        field_name="on", lookup_expr="year", min_value=1921, max_value=9999
    )

    class Meta:
        model = SelfStudy
        fields = ("member", "year")


class SelfStudyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Self-study records (自主学习); a member sees and keeps their own."""

    serializer_class = SelfStudySerializer
    filterset_class = SelfStudyFilter
    ordering = ("-on", "-id")

    def get_queryset(self):
        return SelfStudy.objects.visible_to(self.request.user).select_related("member")

    @extend_schema(request=SelfStudyWriteSerializer, responses={201: SelfStudySerializer})
    def create(self, request, *args, **kwargs):
        serializer = SelfStudyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        textbook_id = data.pop("textbook")
        textbook = None
        if textbook_id is not None:
            textbook = Textbook.objects.filter(pk=textbook_id).first()
            if textbook is None:
                raise ValidationError({"textbook": [_("No such textbook.")]})
        try:
            record = services.self_study_add(
                actor=request.user, member=member, textbook=textbook, **data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(SelfStudySerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reason", str, description="Reason for the correction, when the year is closed."
            )
        ],
        responses={204: None},
    )
    def destroy(self, request, *args, **kwargs):
        record = self.get_object()
        try:
            services.self_study_delete(
                actor=request.user, record=record, reason=request.query_params.get("reason", "")
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class StudyPlanFilter(django_filters.FilterSet):
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = StudyPlan
        fields = ("member", "year")


class StudyPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members' study plans, one a year; POST writes (or rewrites) the plan."""

    serializer_class = StudyPlanSerializer
    filterset_class = StudyPlanFilter
    ordering = ("-year", "member_id")

    def get_queryset(self):
        return StudyPlan.objects.visible_to(self.request.user).select_related("member")

    @extend_schema(request=StudyPlanWriteSerializer, responses={200: StudyPlanSerializer})
    def create(self, request, *args, **kwargs):
        serializer = StudyPlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        try:
            plan = services.study_plan_save(actor=request.user, member=member, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(StudyPlanSerializer(plan).data)


class YearClosureViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Closed education years. `?organization=<id>`: the closures of that
    organisation's province (anyone who sees the organisation)."""

    serializer_class = YearClosureSerializer
    ordering = ("-year", "organization_id")

    def get_queryset(self):
        organization = self.request.query_params.get("organization")
        if organization:
            if not organization.isdigit():
                raise ValidationError({"organization": [_("Give an organisation id.")]})
            org = visible_org_or_404(self.request.user, int(organization))
            return selectors.province_closures(org)
        return YearClosure.objects.visible_to(self.request.user).select_related("organization")

    @extend_schema(
        parameters=[OpenApiParameter("organization", int, description="Closures of its province.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=YearCloseSerializer,
        responses={
            200: YearClosureSerializer,
            202: inline_serializer(
                "YearCloseQueued",
                {
                    "province": serializers.IntegerField(),
                    "year": serializers.IntegerField(),
                    "status": serializers.CharField(),
                },
            ),
        },
        description=(
            "Close a province's education year. A worker recomputes the totals: "
            "202 while it is queued, 200 with the closure once the year is closed."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = YearCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        province = visible_org_or_404(request.user, serializer.validated_data["province"])
        year = serializer.validated_data["year"]
        try:
            closure = services.year_close_request(actor=request.user, province=province, year=year)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        if closure is None:  # a worker recomputes the totals, then lists the closure
            return Response(
                {"province": province.pk, "year": year, "status": "queued"},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(YearClosureSerializer(closure).data, status=status.HTTP_200_OK)
