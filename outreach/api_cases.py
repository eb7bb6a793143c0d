"""API of service stations, reception of the public and cases; every write goes
through outreach.services_cases. `routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, ExpressionWrapper
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from branches import scoping
from branches.api import as_drf_error
from branches.models import Organization, User
from members.models import Member

from . import services_cases as services
from .models import Case, ReceptionSlot, ServiceStation
from .selectors_cases import overdue_q
from .serializers_cases import (
    AnswerSerializer,
    CaseSerializer,
    CaseWriteSerializer,
    CloseSerializer,
    ReceptionSerializer,
    ReceptionWriteSerializer,
    ReopenSerializer,
    StationSerializer,
    StationUpdateSerializer,
    StationWriteSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _org(user, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


WITHIN = OpenApiParameter(
    "within", int, description="Only this organisation's subtree (itself included)."
)


def _within(request, queryset):
    within = request.query_params.get("within")
    if within:
        try:
            org = _org(request.user, int(within))
        except ValueError:
            return queryset.none()
        queryset = queryset.filter(organization__path__descendant_of=org.path)
    return queryset


@extend_schema(parameters=[WITHIN])
class StationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Party members' service stations and points (document 2, 三（二）)."""

    serializer_class = StationSerializer
    filterset_fields = ("kind", "active")
    ordering = ("name", "id")
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        queryset = ServiceStation.objects.visible_to(self.request.user).select_related(
            "organization"
        )
        return _within(self.request, queryset) if self.action == "list" else queryset

    @extend_schema(request=StationWriteSerializer, responses=StationSerializer)
    def create(self, request, *args, **kwargs):
        serializer = StationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = _org(request.user, data.pop("organization"))
        station = _call(services.station_create, actor=request.user, organization=org, **data)
        return Response(StationSerializer(station).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StationUpdateSerializer, responses=StationSerializer)
    def update(self, request, *args, **kwargs):
        station = self.get_object()
        serializer = StationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        station = _call(
            services.station_update,
            actor=request.user,
            station=station,
            **serializer.validated_data,
        )
        return Response(StationSerializer(station).data)


@extend_schema(parameters=[WITHIN])
class ReceptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Leaders' receptions of the public (document 2, 二（六）); a leader sees their own."""

    serializer_class = ReceptionSerializer
    filterset_fields = ("leader",)
    ordering = ("starts_at", "id")

    def get_queryset(self):
        queryset = ReceptionSlot.objects.visible_to(self.request.user).select_related("leader")
        return _within(self.request, queryset) if self.action == "list" else queryset

    @extend_schema(request=ReceptionWriteSerializer, responses=ReceptionSerializer)
    def create(self, request, *args, **kwargs):
        serializer = ReceptionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = _org(request.user, data.pop("organization"))
        leader = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("leader"))
        slot = _call(
            services.reception_create, actor=request.user, organization=org, leader=leader, **data
        )
        return Response(ReceptionSerializer(slot).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        WITHIN,
        OpenApiParameter("overdue", bool, description="Only open cases past their deadline."),
    ]
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests and complaints of the public (document 2, 二（六）, 三（三））."""

    serializer_class = CaseSerializer
    filterset_fields = ("status", "channel", "satisfaction")
    ordering = ("feedback_due", "id")

    def get_queryset(self):
        queryset = (
            Case.objects.visible_to(self.request.user)
            .select_related("organization")
            .annotate(overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        )
        if self.action == "list":
            queryset = _within(self.request, queryset)
            if self.request.query_params.get("overdue") in ("1", "true", "True", "on"):
                queryset = queryset.filter(overdue_q())
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["change_scope"] = scoping.scope_for(self.request.user, scoping.CHANGE)
        return context

    def _done(self, case, code=status.HTTP_200_OK):
        case = get_object_or_404(self.get_queryset(), pk=case.pk)
        return Response(self.get_serializer(case).data, status=code)

    @extend_schema(request=CaseWriteSerializer, responses=CaseSerializer)
    def create(self, request, *args, **kwargs):
        serializer = CaseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = _org(request.user, data.pop("organization"))
        if data["reception"] is not None:
            data["reception"] = get_object_or_404(
                ReceptionSlot.objects.visible_to(request.user), pk=data["reception"]
            )
        if data["station"] is not None:
            data["station"] = get_object_or_404(
                ServiceStation.objects.visible_to(request.user), pk=data["station"]
            )
        if data["handler"] is not None:
            handler = User.objects.filter(pk=data["handler"], is_active=True).first()
            if handler is None:
                raise as_drf_error(DjangoValidationError({"handler": services.handler_error(org)}))
            data["handler"] = handler
        case = _call(services.case_create, actor=request.user, organization=org, **data)
        return self._done(case, status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Feedback given: solved, or explained and followed up by a department."""
        case = self.get_object()
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.case_answer, actor=request.user, case=case, **serializer.validated_data)
        return self._done(case)

    @extend_schema(request=CloseSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The requester's satisfaction; closes an answered case."""
        case = self.get_object()
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.case_close, actor=request.user, case=case, **serializer.validated_data)
        return self._done(case)

    @extend_schema(request=ReopenSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The requester is not satisfied: open again with a note and a fresh deadline."""
        case = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.case_reopen, actor=request.user, case=case, **serializer.validated_data)
        return self._done(case)


routes = [
    ("outreach/stations", StationViewSet, "outreach-station"),
    ("outreach/receptions", ReceptionViewSet, "outreach-reception"),
    ("outreach/cases", CaseViewSet, "outreach-case"),
]
