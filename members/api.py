"""REST API for members, transfers and dues: scoped reads, writes through services."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from branches.api import as_drf_error, visible_org_or_404
from branches.models import Organization

from . import services
from .models import DuesPayment, Member, Transfer
from .serializers import (
    DuesSerializer,
    DuesWriteSerializer,
    MemberSerializer,
    MemberWriteSerializer,
    RejectSerializer,
    TransferRequestSerializer,
    TransferSerializer,
)


class MemberFilter(django_filters.FilterSet):
    branch = django_filters.NumberFilter(field_name="branch_id")
    current = django_filters.BooleanFilter(field_name="left_on", lookup_expr="isnull")

    class Meta:
        model = Member
        fields = ("status", "employer_sector", "branch", "current")


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    search_fields = ("name", "phone")
    ordering_fields = ("name", "joined_on", "conversion_due")
    ordering = ("branch_id", "name")
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        return Member.objects.visible_to(self.request.user).select_related("branch")

    @extend_schema(request=MemberWriteSerializer, responses=MemberSerializer)
    def create(self, request, *args, **kwargs):
        serializer = MemberWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        branch = visible_org_or_404(request.user, data.pop("branch"))
        try:
            member = services.member_create(actor=request.user, branch=branch, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberWriteSerializer, responses=MemberSerializer)
    def update(self, request, *args, **kwargs):
        member = self.get_object()
        serializer = MemberWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("branch") != member.branch_id:
            raise as_drf_error(
                DjangoValidationError({"branch": _("The branch changes only by a transfer.")})
            )
        try:
            member = services.member_update(actor=request.user, member=member, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(MemberSerializer(member).data)

    @extend_schema(request=None, responses={200: {"type": "object"}})
    @action(detail=True, methods=["post"], url_path="reveal-id-number")
    def reveal_id_number(self, request, pk=None):
        member = self.get_object()
        number = services.member_reveal_id_number(actor=request.user, member=member)
        return Response({"id_number": number})

    @extend_schema(responses=DuesSerializer(many=True))
    @action(detail=True)
    def dues(self, request, pk=None):
        member = self.get_object()
        page = self.paginate_queryset(
            DuesPayment.objects.visible_to(request.user).filter(member=member)
        )
        return self.get_paginated_response(DuesSerializer(page, many=True).data)


class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TransferSerializer
    filterset_fields = ("status",)
    ordering = ("-requested_at",)

    def get_queryset(self):
        return Transfer.objects.visible_to(self.request.user).select_related(
            "member", "from_branch", "to_branch"
        )

    @extend_schema(request=TransferRequestSerializer, responses=TransferSerializer)
    def create(self, request, *args, **kwargs):
        serializer = TransferRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data["member"])
        to_branch = Organization.objects.filter(
            code=data["to_branch_code"], dissolved__isnull=True
        ).first()
        if to_branch is None:
            raise as_drf_error(
                DjangoValidationError({"to_branch_code": _("No live organisation has this code.")})
            )
        try:
            transfer = services.transfer_request(
                actor=request.user, member=member, to_branch=to_branch, note=data["note"]
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)

    def _decide(self, call):
        try:
            transfer = call()
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(TransferSerializer(transfer).data)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        transfer = self.get_object()
        return self._decide(lambda: services.transfer_accept(actor=request.user, transfer=transfer))

    @extend_schema(request=RejectSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        transfer = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._decide(
            lambda: services.transfer_reject(
                actor=request.user, transfer=transfer, reason=serializer.validated_data["reason"]
            )
        )

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        transfer = self.get_object()
        return self._decide(lambda: services.transfer_cancel(actor=request.user, transfer=transfer))


class DuesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DuesSerializer
    filterset_fields = ("months",)
    ordering = ("-period_start",)

    def get_queryset(self):
        return DuesPayment.objects.visible_to(self.request.user)

    @extend_schema(request=DuesWriteSerializer, responses=DuesSerializer)
    def create(self, request, *args, **kwargs):
        serializer = DuesWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data["member"])
        try:
            payment = services.dues_record(
                actor=request.user,
                member=member,
                period_start=data["period_start"],
                months=data["months"],
                amount=data["amount"],
                paid_on=data["paid_on"],
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(DuesSerializer(payment).data, status=status.HTTP_201_CREATED)
