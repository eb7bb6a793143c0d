"""API of rectification orders; every write goes through accountability.services.
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, ExpressionWrapper, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from branches.api import as_drf_error
from branches.models import Organization

from . import services
from .models import RectificationOrder, RectificationUpdate, WeakUnit
from .selectors import overdue_q
from .serializers import (
    ConsolidateSerializer,
    NoteSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    OrderWriteSerializer,
    ProgressSerializer,
    UpdateSerializer,
    WeakUnitSerializer,
    WeakUnitWriteSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _org(user, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


def _flag(request, name) -> bool:
    return request.query_params.get(name) in ("1", "true", "True", "on")


@extend_schema(
    parameters=[
        OpenApiParameter("issued_by", int, description="Only orders issued in this subtree."),
        OpenApiParameter("received_by", int, description="Only orders to this subtree."),
        OpenApiParameter("overdue", bool, description="Only orders past their deadline."),
    ]
)
class RectificationOrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Rectification orders with deadlines, progress, evidence and acceptance (document 4)."""

    serializer_class = OrderSerializer
    filterset_fields = ("status", "source_kind")
    ordering = ("deadline", "id")

    def get_queryset(self):
        queryset = (
            RectificationOrder.objects.visible_to(self.request.user)
            .select_related("organization", "issued_by_org")
            .annotate(overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        )
        if self.action == "list":
            params = self.request.query_params
            for param, field in (("issued_by", "issued_by_org"), ("received_by", "organization")):
                if params.get(param):
                    try:
                        org = _org(self.request.user, int(params[param]))
                    except ValueError:
                        return queryset.none()
                    queryset = queryset.filter(**{f"{field}__path__descendant_of": org.path})
            if _flag(self.request, "overdue"):
                queryset = queryset.filter(overdue_q())
        else:
            queryset = queryset.prefetch_related(
                Prefetch("updates", queryset=RectificationUpdate.objects.order_by("on", "pk"))
            )
        return queryset

    def get_serializer_class(self):
        return OrderSerializer if self.action == "list" else OrderDetailSerializer

    def _done(self, order, code=status.HTTP_200_OK):
        order = get_object_or_404(self.get_queryset(), pk=order.pk)
        return Response(OrderDetailSerializer(order).data, status=code)

    @extend_schema(request=OrderWriteSerializer, responses=OrderDetailSerializer)
    def create(self, request, *args, **kwargs):
        serializer = OrderWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        issuer = _org(request.user, data.pop("issued_by_org"))
        target = (
            Organization.objects.visible_to(request.user)
            .filter(pk=data.pop("organization"))
            .first()
        )
        order = _call(
            services.order_issue,
            actor=request.user,
            issued_by_org=issuer,
            organization=target,
            **data,
        )
        return self._done(order, status.HTTP_201_CREATED)

    @extend_schema(request=ProgressSerializer, responses=UpdateSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def progress(self, request, pk=None):
        """The ordered organisation reports progress, optionally with an evidence file."""
        order = self.get_object()
        serializer = ProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = _call(
            services.progress_record, actor=request.user, order=order, **serializer.validated_data
        )
        return Response(UpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    def _step(self, request, service):
        order = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(service, actor=request.user, order=order, **serializer.validated_data)
        return self._done(order)

    @extend_schema(request=NoteSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The ordered organisation submits the rectification for acceptance."""
        return self._step(request, services.order_submit)

    @extend_schema(request=NoteSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The issuing organisation accepts the rectification."""
        return self._step(request, services.order_accept)

    @extend_schema(request=NoteSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_order(self, request, pk=None):
        """The issuing organisation returns it for more work, with a note."""
        return self._step(request, services.order_return)

    @extend_schema(request=NoteSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The issuing organisation cancels an order not yet accepted, with a note."""
        return self._step(request, services.order_cancel)


@extend_schema(
    parameters=[
        OpenApiParameter("under", int, description="Only units in this subtree."),
        OpenApiParameter("year", int, description="Only units of this year."),
    ]
)
class WeakUnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Weak and lax grassroots organisations and their consolidation (document 4, 二（一）3)."""

    serializer_class = WeakUnitSerializer
    filterset_fields = ("status", "year")
    ordering = ("-year", "id")

    def get_queryset(self):
        queryset = WeakUnit.objects.visible_to(self.request.user).select_related(
            "organization", "identified_by_org", "order"
        )
        under = self.request.query_params.get("under") if self.action == "list" else None
        if under:
            try:
                org = _org(self.request.user, int(under))
            except ValueError:
                return queryset.none()
            queryset = queryset.filter(organization__path__descendant_of=org.path)
        return queryset

    @extend_schema(request=WeakUnitWriteSerializer, responses=WeakUnitSerializer)
    def create(self, request, *args, **kwargs):
        serializer = WeakUnitWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        identifier = _org(request.user, data.pop("identified_by_org"))
        target = (
            Organization.objects.visible_to(request.user)
            .filter(pk=data.pop("organization"))
            .first()
        )
        unit = _call(
            services.weak_unit_identify,
            actor=request.user,
            identified_by_org=identifier,
            organization=target,
            **data,
        )
        unit = get_object_or_404(self.get_queryset(), pk=unit.pk)
        return Response(WeakUnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsolidateSerializer, responses=WeakUnitSerializer)
    @action(detail=True, methods=["post"])
    def consolidate(self, request, pk=None):
        """The identifying committee records the consolidation as done (order accepted)."""
        unit = self.get_object()
        serializer = ConsolidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(
            services.weak_unit_consolidate,
            actor=request.user,
            unit=unit,
            **serializer.validated_data,
        )
        unit = get_object_or_404(self.get_queryset(), pk=unit.pk)
        return Response(WeakUnitSerializer(unit).data)


routes = [
    ("rectification-orders", RectificationOrderViewSet, "rectification-order"),
    ("weak-units", WeakUnitViewSet, "weak-unit"),
]
