"""API of outreach: research. `routes`: (prefix, viewset, basename) for the v1 router.

Contact points and research visits of leading cadres (document 2, 二（五）),
and a leader's yearly summary against the requirement. Reads through
visible_to; writes through outreach.services_research.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from branches.api import as_drf_error

from . import selectors_research as selectors
from . import services_research as services
from .models import ContactPoint, ResearchVisit
from .serializers_research import (
    ContactPointEndSerializer,
    ContactPointSerializer,
    ContactPointWriteSerializer,
    ResearchSummarySerializer,
    ResearchVisitSerializer,
    ResearchVisitWriteSerializer,
)

YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="Calendar year (default: this year)")


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _year(request) -> int:
    """?year=, between 2000 and 2100; this year when absent or not a year."""
    try:
        year = int(request.query_params.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


class ContactPointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ContactPointSerializer
    filterset_fields = ("leader", "weak_unit")
    ordering = ("leader", "-since", "id")

    def get_queryset(self):
        return ContactPoint.objects.visible_to(self.request.user).select_related(
            "leader", "organization"
        )

    @extend_schema(request=ContactPointWriteSerializer, responses=ContactPointSerializer)
    def create(self, request, *args, **kwargs):
        serializer = ContactPointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        leader = get_object_or_404(selectors.visible_leaders(request.user), pk=data.pop("leader"))
        unit = services.unit_for_leader(leader, data.pop("organization_code"))
        if unit is None:
            raise as_drf_error(
                DjangoValidationError(
                    {"organization_code": _("No unit of the leader's province has this code.")}
                )
            )
        point = _call(
            services.contact_point_create,
            actor=request.user,
            leader=leader,
            organization=unit,
            **data,
        )
        return Response(ContactPointSerializer(point).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContactPointEndSerializer, responses=ContactPointSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        point = self.get_object()
        serializer = ContactPointEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        point = _call(
            services.contact_point_end,
            actor=request.user,
            contact_point=point,
            until=serializer.validated_data["until"],
        )
        return Response(ContactPointSerializer(self.get_queryset().get(pk=point.pk)).data)


class ResearchVisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResearchVisitSerializer
    filterset_fields = ("leader", "contact_point", "hardship_area")
    ordering = ("-started_on", "-id")

    def get_queryset(self):
        visits = ResearchVisit.objects.visible_to(self.request.user).select_related("leader")
        year = self.request.query_params.get("year") if self.action == "list" else None
        if year and year.isdigit() and 2000 <= int(year) <= 2100:
            visits = visits.filter(started_on__year=int(year))
        return visits

    @extend_schema(parameters=[YEAR])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ResearchVisitWriteSerializer, responses=ResearchVisitSerializer)
    def create(self, request, *args, **kwargs):
        serializer = ResearchVisitWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        leader = get_object_or_404(selectors.visible_leaders(request.user), pk=data.pop("leader"))
        point_id = data.pop("contact_point", None)
        point = None
        if point_id is not None:
            point = get_object_or_404(
                selectors.contact_points_of(request.user, leader), pk=point_id
            )
        visit = _call(
            services.research_visit_create,
            actor=request.user,
            leader=leader,
            contact_point=point,
            **data,
        )
        return Response(ResearchVisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        _call(services.research_visit_delete, actor=self.request.user, visit=instance)


class ResearchSummaryViewSet(viewsets.GenericViewSet):
    """A leader's research days of a year against the requirement (by member id)."""

    serializer_class = ResearchSummarySerializer

    def get_queryset(self):
        return selectors.visible_leaders(self.request.user)

    @extend_schema(parameters=[YEAR], responses=ResearchSummarySerializer)
    def retrieve(self, request, pk=None):
        leader = self.get_object()
        summary = selectors.leader_year(request.user, leader, _year(request))
        return Response(ResearchSummarySerializer(summary).data)


routes = [
    ("contact-points", ContactPointViewSet, "contact-point"),
    ("research-visits", ResearchVisitViewSet, "research-visit"),
    ("research-summaries", ResearchSummaryViewSet, "research-summary"),
]
