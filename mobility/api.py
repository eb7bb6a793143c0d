"""API of the certificate workflow; every write goes through mobility.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
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

from . import services
from .models import Certificate, CertificateEntry, Episode
from .serializers import (
    CancelSerializer,
    CertificateSerializer,
    CheckInSerializer,
    DuesPeriodSerializer,
    EntrySerializer,
    EntryWriteSerializer,
    EpisodeSerializer,
    EpisodeWriteSerializer,
    ReturnSerializer,
    ReviewSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


class EpisodeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EpisodeSerializer
    filterset_fields = ("status", "outflow_branch", "inflow_organization")
    ordering = ("-started_on", "-id")

    def get_queryset(self):
        return Episode.objects.visible_to(self.request.user).select_related("member")

    @extend_schema(request=EpisodeWriteSerializer, responses=EpisodeSerializer)
    def create(self, request, *args, **kwargs):
        serializer = EpisodeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        episode = _call(services.episode_create, actor=request.user, member=member, **data)
        return Response(EpisodeSerializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CertificateSerializer)
    @action(detail=True, methods=["post"], url_path="request-certificate")
    def request_certificate(self, request, pk=None):
        certificate = _call(
            services.certificate_request, actor=request.user, episode=self.get_object()
        )
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReturnSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_home(self, request, pk=None):
        """The member is back and holds no certificate in use."""
        episode = self.get_object()  # out of reach: 404 before any validation
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode = _call(
            services.episode_return,
            actor=request.user,
            episode=episode,
            **serializer.validated_data,
        )
        return Response(EpisodeSerializer(episode).data)

    @extend_schema(request=DuesPeriodSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"], url_path="dues-period")
    def dues_period(self, request, pk=None):
        """Let this member pay dues quarterly (document 3, 二（三）2), or take it back."""
        episode = self.get_object()
        serializer = DuesPeriodSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        episode = _call(
            services.episode_set_dues_period,
            actor=request.user,
            episode=episode,
            quarterly=d["quarterly"],
            reason=d.get("quarterly_dues_reason", ""),
        )
        return Response(EpisodeSerializer(episode).data)

    @extend_schema(request=CancelSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The registration was a mistake; only without a certificate in use."""
        episode = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode = _call(
            services.episode_cancel,
            actor=request.user,
            episode=episode,
            reason=serializer.validated_data["reason"],
        )
        return Response(EpisodeSerializer(episode).data)


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CertificateSerializer
    filterset_fields = ("status",)
    ordering = ("-requested_at",)

    def get_queryset(self):
        return Certificate.objects.visible_to(self.request.user)

    def _done(self, certificate):
        certificate = get_object_or_404(self.get_queryset(), pk=certificate.pk)
        return Response(CertificateSerializer(certificate).data)

    @extend_schema(request=None, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def stamp(self, request, pk=None):
        cert = self.get_object()
        return self._done(_call(services.certificate_stamp, actor=request.user, certificate=cert))

    @extend_schema(request=None, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        cert = self.get_object()
        return self._done(_call(services.certificate_issue, actor=request.user, certificate=cert))

    @extend_schema(request=ReviewSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        cert = self.get_object()
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(
            services.certificate_review,
            actor=request.user,
            certificate=cert,
            **serializer.validated_data,
        )
        return self._done(cert)

    @extend_schema(request=ReturnSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        cert = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._done(
            _call(
                services.certificate_return,
                actor=request.user,
                certificate=cert,
                **serializer.validated_data,
            )
        )

    @extend_schema(request=CancelSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        cert = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._done(
            _call(
                services.certificate_cancel,
                actor=request.user,
                certificate=cert,
                reason=serializer.validated_data["reason"],
            )
        )

    @extend_schema(request=CheckInSerializer, responses=CertificateSerializer)
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request):
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        inflow = get_object_or_404(
            Organization.objects.visible_to(request.user, scoping.CHANGE),
            pk=data["inflow_organization"],
        )
        return self._done(
            _call(
                services.certificate_check_in,
                actor=request.user,
                number=data["number"],
                code=data["code"],
                inflow_organization=inflow,
                basis=data["basis"],
            )
        )

    @extend_schema(methods=["get"], request=None, responses=EntrySerializer(many=True))
    @extend_schema(methods=["post"], request=EntryWriteSerializer, responses=EntrySerializer)
    @action(detail=True, methods=["get", "post"])
    def entries(self, request, pk=None):
        cert = self.get_object()
        if request.method == "GET":
            entries = (
                CertificateEntry.objects.visible_to(request.user)
                .filter(certificate=cert)
                .order_by("on", "pk")
            )
            return Response(EntrySerializer(entries, many=True).data)
        serializer = EntryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        if d["kind"] == "org_life":
            if "on" not in d:
                raise as_drf_error(DjangoValidationError({"on": _("Give the date.")}))
            entry = _call(
                services.entry_org_life,
                actor=request.user,
                certificate=cert,
                on=d["on"],
                description=d["description"],
            )
        else:
            missing = [f for f in ("period_start", "amount", "paid_on") if f not in d]
            if missing:
                raise as_drf_error(
                    DjangoValidationError({f: _("This field is required.") for f in missing})
                )
            entry = _call(
                services.entry_dues,
                actor=request.user,
                certificate=cert,
                period_start=d["period_start"],
                months=int(d["months"]),
                amount=d["amount"],
                paid_on=d["paid_on"],
            )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)
