"""API of outreach: care. `routes`: (prefix, viewset, basename) for the v1 router.

Querysets through visible_to; writes through outreach.services_care."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from branches import scoping
from branches.api import as_drf_error
from branches.models import Organization
from members.models import Member

from . import services_care as services
from .models import CareRecord, Household, Pairing, PairingVisit, VolunteerRecord
from .serializers_care import (
    CareSerializer,
    CareWriteSerializer,
    HouseholdCloseSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    HouseholdWriteSerializer,
    PairingEndSerializer,
    PairingSerializer,
    PairingWriteSerializer,
    VisitSerializer,
    VisitWriteSerializer,
    VolunteerSerializer,
    VolunteerWriteSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _filterset(model_, numbers: tuple[str, ...], choices: tuple[str, ...] = ()):
    """Plain-number filters on foreign keys: a choice filter would check ids
    against every row and so tell an out-of-scope id from a missing one."""
    attrs = {name: django_filters.NumberFilter(field_name=f"{name}_id") for name in numbers}
    attrs["Meta"] = type("Meta", (), {"model": model_, "fields": (*numbers, *choices)})
    return type(f"{model_.__name__}CareFilter", (django_filters.FilterSet,), attrs)


def _org(user, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Households in difficulty; the contact only for those who may change them."""

    serializer_class = HouseholdSerializer
    filterset_class = _filterset(Household, ("organization",))
    ordering = ("head_name", "id")

    def get_queryset(self):
        return Household.objects.visible_to(self.request.user).select_related("organization")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["change_scope"] = scoping.scope_for(self.request.user, scoping.CHANGE)
        return context

    def _out(self, household, code=status.HTTP_200_OK):
        household = get_object_or_404(self.get_queryset(), pk=household.pk)
        return Response(self.get_serializer(household).data, status=code)

    @extend_schema(request=HouseholdWriteSerializer, responses=HouseholdSerializer)
    def create(self, request, *args, **kwargs):
        serializer = HouseholdWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = _org(request.user, data.pop("organization"))
        household = _call(services.household_create, actor=request.user, organization=org, **data)
        return self._out(household, status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdSerializer)
    def partial_update(self, request, *args, **kwargs):
        household = self.get_object()
        serializer = HouseholdUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = _call(
            services.household_update,
            actor=request.user,
            household=household,
            **serializer.validated_data,
        )
        return self._out(household)

    @extend_schema(request=HouseholdCloseSerializer, responses=HouseholdSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """No longer in difficulty; open pairings end with the note."""
        household = self.get_object()
        serializer = HouseholdCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        household = _call(
            services.household_close,
            actor=request.user,
            household=household,
            on=d["closed_on"],
            note=d["note"],
        )
        return self._out(household)


class PairingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Pairings of members with households (a member sees their own; never the contact)."""

    serializer_class = PairingSerializer
    filterset_class = _filterset(Pairing, ("branch", "member", "household"))
    ordering = ("-started_on", "id")

    def get_queryset(self):
        return Pairing.objects.visible_to(self.request.user).select_related("member", "household")

    def _out(self, pairing, code=status.HTTP_200_OK):
        pairing = get_object_or_404(self.get_queryset(), pk=pairing.pk)
        return Response(PairingSerializer(pairing).data, status=code)

    @extend_schema(request=PairingWriteSerializer, responses=PairingSerializer)
    def create(self, request, *args, **kwargs):
        serializer = PairingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        household = get_object_or_404(
            Household.objects.visible_to(request.user), pk=data.pop("household")
        )
        pairing = _call(
            services.pairing_create, actor=request.user, member=member, household=household, **data
        )
        return self._out(pairing, status.HTTP_201_CREATED)

    @extend_schema(request=PairingEndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pairing = self.get_object()
        serializer = PairingEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pairing = _call(
            services.pairing_end, actor=request.user, pairing=pairing, **serializer.validated_data
        )
        return self._out(pairing)

    @extend_schema(methods=["get"], request=None, responses=VisitSerializer(many=True))
    @extend_schema(methods=["post"], request=VisitWriteSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["get", "post"])
    def visits(self, request, pk=None):
        pairing = self.get_object()
        if request.method == "GET":
            visits = (
                PairingVisit.objects.visible_to(request.user)
                .filter(pairing=pairing)
                .order_by("-on", "-pk")
            )
            return Response(VisitSerializer(visits, many=True).data)
        serializer = VisitWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = _call(
            services.pairing_visit_record,
            actor=request.user,
            pairing=pairing,
            **serializer.validated_data,
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class VolunteerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Volunteering records. POST with `organization` and `members` records for
    several members (all or none); without them, the member's own entry."""

    serializer_class = VolunteerSerializer
    filterset_class = _filterset(VolunteerRecord, ("branch", "member"), ("kind",))
    ordering = ("-on", "-id")

    def get_queryset(self):
        records = VolunteerRecord.objects.visible_to(self.request.user).select_related("member")
        year = self.request.query_params.get("year", "")
        if year.isdigit() and 2000 <= int(year) <= 2100:
            records = records.filter(on__year=int(year))
        return records

    @extend_schema(request=VolunteerWriteSerializer, responses=VolunteerSerializer(many=True))
    def create(self, request, *args, **kwargs):
        serializer = VolunteerWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org_pk, member_ids = data.pop("organization", None), data.pop("members", None)
        if member_ids is None:
            records = [_call(services.volunteering_record_own, actor=request.user, **data)]
        else:
            if org_pk is None:
                raise as_drf_error(
                    DjangoValidationError({"organization": _("Give the organisation.")})
                )
            org = _org(request.user, org_pk)
            members = list(Member.objects.visible_to(request.user).filter(pk__in=member_ids))
            if len(members) != len(set(member_ids)):
                raise Http404(_("No such member."))
            records = _call(
                services.volunteering_record,
                actor=request.user,
                organization=org,
                members=members,
                **data,
            )
        records = self.get_queryset().filter(pk__in=[r.pk for r in records])
        return Response(
            VolunteerSerializer(records, many=True).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance):
        _call(services.volunteering_delete, actor=self.request.user, record=instance)


class CareRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Help given to members in hardship."""

    serializer_class = CareSerializer
    filterset_class = _filterset(CareRecord, ("branch", "member"), ("kind",))
    ordering = ("-on", "-id")

    def get_queryset(self):
        return CareRecord.objects.visible_to(self.request.user).select_related("member")

    @extend_schema(request=CareWriteSerializer, responses=CareSerializer)
    def create(self, request, *args, **kwargs):
        serializer = CareWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        record = _call(services.care_record, actor=request.user, member=member, **data)
        return Response(CareSerializer(record).data, status=status.HTTP_201_CREATED)


routes: list = [
    ("households", HouseholdViewSet, "household"),
    ("pairings", PairingViewSet, "pairing"),
    ("volunteering", VolunteerViewSet, "volunteering"),
    ("care-records", CareRecordViewSet, "care-record"),
]
