"""API of members' reports and the inflow side's opinions (/api/v1/)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from branches.api import as_drf_error

from . import reports
from .models import Episode, InflowOpinion, MemberReport, ReportKind


class MemberReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberReport
        fields = (
            "id",
            "episode",
            "kind",
            "year",
            "on",
            "thoughts",
            "work",
            "org_life",
            "new_region",
            "new_address",
            "new_employer",
            "new_contact",
            "submitted_by",
            "submitted_at",
        )
        read_only_fields = fields


class MemberReportCreateSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    on = serializers.DateField()
    thoughts = serializers.CharField(required=False, allow_blank=True, default="")
    work = serializers.CharField(required=False, allow_blank=True, default="")
    org_life = serializers.CharField(required=False, allow_blank=True, default="")
    new_region = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    new_address = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    new_employer = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    new_contact = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )


class InflowOpinionSerializer(serializers.ModelSerializer):
    class Meta:
        model = InflowOpinion
        fields = (
            "id",
            "episode",
            "organization",
            "opinion",
            "recommends_conversion",
            "given_on",
            "given_by",
        )
        read_only_fields = fields


class InflowOpinionCreateSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    opinion = serializers.CharField()
    recommends_conversion = serializers.BooleanField()
    given_on = serializers.DateField()


def _episode(request, pk) -> Episode:
    return get_object_or_404(Episode.objects.visible_to(request.user), pk=pk)


class MemberReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Reports of mobile members; a member sees and submits their own."""

    serializer_class = MemberReportSerializer
    filterset_fields = ("episode", "kind", "year")
    ordering = ("-on", "-pk")

    def get_queryset(self):
        return MemberReport.objects.visible_to(self.request.user)

    @extend_schema(request=MemberReportCreateSerializer, responses=MemberReportSerializer)
    def create(self, request, *args, **kwargs):
        serializer = MemberReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        episode = _episode(request, data.pop("episode"))
        try:
            report = reports.member_report_submit(actor=request.user, episode=episode, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(MemberReportSerializer(report).data, status=status.HTTP_201_CREATED)


class InflowOpinionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The inflow organisation's opinions on probationary members' conversion."""

    serializer_class = InflowOpinionSerializer
    filterset_fields = ("episode",)
    ordering = ("-given_on", "-pk")

    def get_queryset(self):
        return InflowOpinion.objects.visible_to(self.request.user)

    @extend_schema(request=InflowOpinionCreateSerializer, responses=InflowOpinionSerializer)
    def create(self, request, *args, **kwargs):
        serializer = InflowOpinionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        episode = _episode(request, data.pop("episode"))
        try:
            opinion = reports.inflow_opinion_give(actor=request.user, episode=episode, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(InflowOpinionSerializer(opinion).data, status=status.HTTP_201_CREATED)
