"""API of assessments; every write goes through accountability.assessments.services.
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from branches.api import as_drf_error
from branches.models import Organization

from . import services
from .models import AssessmentIndicator, AssessmentScheme, Score, Scorecard
from .serializers import (
    AssessmentIndicatorSerializer,
    AssessmentIndicatorWriteSerializer,
    AssessmentOutcomeWriteSerializer,
    AssessmentReportWriteSerializer,
    AssessmentSchemeSerializer,
    AssessmentSchemeWriteSerializer,
    AssessmentScorecardDetailSerializer,
    AssessmentScorecardSerializer,
    AssessmentScoreSerializer,
    AssessmentScoreWriteSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


@extend_schema(
    parameters=[OpenApiParameter("organization", int, description="Only this assessing org.")]
)
class AssessmentSchemeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Assessment schemes: indicators, weights and grade thresholds (document 4, 五)."""

    serializer_class = AssessmentSchemeSerializer
    filterset_fields = ("year", "status")
    ordering = ("-year", "id")

    def get_queryset(self):
        queryset = (
            AssessmentScheme.objects.visible_to(self.request.user)
            .select_related("organization")
            .prefetch_related(
                Prefetch("indicators", queryset=AssessmentIndicator.objects.order_by("position"))
            )
        )
        org = self.request.query_params.get("organization")
        if self.action == "list" and org:
            if not (org.isascii() and org.isdigit()):
                return queryset.none()
            queryset = queryset.filter(organization_id=int(org))
        return queryset

    def _done(self, scheme, code=status.HTTP_200_OK):
        scheme = get_object_or_404(self.get_queryset(), pk=scheme.pk)
        return Response(AssessmentSchemeSerializer(scheme).data, status=code)

    @extend_schema(request=AssessmentSchemeWriteSerializer, responses=AssessmentSchemeSerializer)
    def create(self, request, *args, **kwargs):
        serializer = AssessmentSchemeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = get_object_or_404(
            Organization.objects.visible_to(request.user), pk=data.pop("organization")
        )
        scheme = _call(services.scheme_create, actor=request.user, organization=org, **data)
        return self._done(scheme, status.HTTP_201_CREATED)

    @extend_schema(
        request=AssessmentIndicatorWriteSerializer, responses=AssessmentIndicatorSerializer
    )
    @action(detail=True, methods=["post"])
    def indicators(self, request, pk=None):
        """Add an indicator to a draft scheme."""
        scheme = self.get_object()
        serializer = AssessmentIndicatorWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        indicator = _call(
            services.indicator_add, actor=request.user, scheme=scheme, **serializer.validated_data
        )
        return Response(
            AssessmentIndicatorSerializer(indicator).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=AssessmentSchemeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish (weights must total 100) and open the scorecards."""
        scheme = self.get_object()
        _call(services.scheme_publish, actor=request.user, scheme=scheme)
        return self._done(scheme)


@extend_schema(
    parameters=[
        OpenApiParameter("scheme", int, description="Only this scheme's scorecards."),
        OpenApiParameter("organization", int, description="Only this assessed organisation."),
    ]
)
class ScorecardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scorecards: computed and manual scores, total, grade, outcome, report (述职)."""

    serializer_class = AssessmentScorecardSerializer
    filterset_fields = ("status", "grade", "outcome")
    ordering = ("scheme", "id")

    def get_queryset(self):
        queryset = Scorecard.objects.visible_to(self.request.user).select_related(
            "scheme", "organization", "secretary"
        )
        if self.action == "list":
            for param in ("scheme", "organization"):
                value = self.request.query_params.get(param)
                if value:
                    if not (value.isascii() and value.isdigit()):
                        return queryset.none()
                    queryset = queryset.filter(**{f"{param}_id": int(value)})
        else:
            queryset = queryset.prefetch_related(
                Prefetch("scores", queryset=Score.objects.select_related("indicator"))
            )
        return queryset

    def get_serializer_class(self):
        return (
            AssessmentScorecardSerializer
            if self.action == "list"
            else AssessmentScorecardDetailSerializer
        )

    def _done(self, scorecard):
        scorecard = get_object_or_404(self.get_queryset(), pk=scorecard.pk)
        return Response(AssessmentScorecardDetailSerializer(scorecard).data)

    @extend_schema(request=None, responses=AssessmentScorecardDetailSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """The assessor fills the computed indicators again from the figures."""
        scorecard = self.get_object()
        _call(services.scorecard_recompute, actor=request.user, scorecard=scorecard)
        return self._done(scorecard)

    @extend_schema(request=AssessmentScoreWriteSerializer, responses=AssessmentScoreSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def score(self, request, pk=None):
        """The assessor scores a manual indicator (0 to its weight), with evidence."""
        scorecard = self.get_object()
        services.require_assessor(request.user, scorecard)
        serializer = AssessmentScoreWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        indicator = AssessmentIndicator.objects.filter(
            pk=data.pop("indicator"), scheme_id=scorecard.scheme_id
        ).first()
        score = _call(
            services.score_manual,
            actor=request.user,
            scorecard=scorecard,
            indicator=indicator,
            **data,
        )
        return Response(AssessmentScoreSerializer(score).data)

    @extend_schema(request=None, responses=AssessmentScorecardDetailSerializer)
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None):
        """The assessor stores the total and the grade."""
        scorecard = self.get_object()
        _call(services.scorecard_finalise, actor=request.user, scorecard=scorecard)
        return self._done(scorecard)

    @extend_schema(
        request=AssessmentOutcomeWriteSerializer, responses=AssessmentScorecardDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """The assessor decides commendation, criticism or rectification by a deadline."""
        scorecard = self.get_object()
        services.require_assessor(request.user, scorecard)
        serializer = AssessmentOutcomeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(
            services.scorecard_outcome,
            actor=request.user,
            scorecard=scorecard,
            **serializer.validated_data,
        )
        return self._done(scorecard)

    @extend_schema(
        request=AssessmentReportWriteSerializer, responses=AssessmentScorecardDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """The assessed organisation records its secretary's report on duties (述职)."""
        scorecard = self.get_object()
        serializer = AssessmentReportWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(
            services.report_record,
            actor=request.user,
            scorecard=scorecard,
            **serializer.validated_data,
        )
        return self._done(scorecard)


routes = [
    ("assessment-schemes", AssessmentSchemeViewSet, "assessment-scheme"),
    ("scorecards", ScorecardViewSet, "scorecard"),
]
