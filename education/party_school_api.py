"""REST API of party workers, party-school training and rotation, and leaders'
lectures (document 1, 三（一） and 二（二）1): scoped reads, writes through the
services. Registered in config/urls.py."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from branches.api import as_drf_error, visible_org_or_404
from members.models import Member

from . import selectors, services
from .models import PartyPost, PartySchoolTraining, PartyWorker, SchoolLevel
from .selectors import RotationState

# --- serializers ------------------------------------------------------------------------


class PartyWorkerSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)

    class Meta:
        model = PartyWorker
        fields = (
            "id",
            "member",
            "member_name",
            "organization",
            "organization_name",
            "post",
            "post_display",
            "since",
            "until",
        )
        read_only_fields = fields


class PartyWorkerWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    organization = serializers.IntegerField()
    post = serializers.ChoiceField(choices=PartyPost.choices)
    since = serializers.DateField()
    until = serializers.DateField(required=False, allow_null=True, default=None)


class PartyWorkerEndSerializer(serializers.Serializer):
    on = serializers.DateField(help_text=gettext_lazy("Last day in the post."))


class PartySchoolTrainingSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = PartySchoolTraining
        fields = (
            "id",
            "member",
            "member_name",
            "school",
            "level",
            "level_display",
            "starts_on",
            "ends_on",
            "course",
        )
        read_only_fields = fields


class PartySchoolTrainingWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    school = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=SchoolLevel.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    course = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


ROTATION_STATES = (
    (RotationState.OK, "trained in time"),
    (RotationState.DUE_SOON, "due within the reminder days"),
    (RotationState.OVERDUE, "overdue"),
)


class RotationStatusSerializer(serializers.Serializer):
    worker = serializers.IntegerField(source="worker.pk")
    member = serializers.IntegerField(source="worker.member_id")
    member_name = serializers.CharField(source="worker.member.name")
    organization = serializers.IntegerField(source="worker.organization_id")
    organization_name = serializers.CharField(source="worker.organization.name")
    post = serializers.ChoiceField(source="worker.post", choices=PartyPost.choices)
    is_head = serializers.BooleanField()
    last_training = serializers.DateField(allow_null=True)
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=ROTATION_STATES)
    days_left = serializers.IntegerField()


class LeaderLectureSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    branch = serializers.IntegerField(source="member.branch_id")
    leadership_level = serializers.CharField(source="member.leadership_level")
    given = serializers.IntegerField()
    required = serializers.IntegerField()


# --- helpers ------------------------------------------------------------------------------


def _member_or_error(user, pk: int) -> Member:
    member = Member.objects.visible_to(user).filter(pk=pk).first()
    if member is None:
        raise ValidationError({"member": [_("No such member within your reach.")]})
    return member


def _int_param(request, name: str, required: bool = False) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationError({name: [_("This parameter is required.")]})
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: [_("Must be a whole number.")]}) from None


# --- viewsets -----------------------------------------------------------------------------


class PartyWorkerFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    member = django_filters.NumberFilter(field_name="member_id")
    current = django_filters.BooleanFilter(
        method="filter_current", label=gettext_lazy("Posts held today")
    )

    class Meta:
        model = PartyWorker
        fields = ("organization", "member", "post", "current")

    def filter_current(self, queryset, name, value):
        today = timezone.localdate()
        held = Q(since__lte=today) & (Q(until__isnull=True) | Q(until__gte=today))
        return queryset.filter(held) if value else queryset.exclude(held)


class PartyWorkerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Posts of grassroots party workers (secretaries, deputies, committee members)."""

    serializer_class = PartyWorkerSerializer
    filterset_class = PartyWorkerFilter
    ordering = ("organization_id", "post", "pk")

    def get_queryset(self):
        return PartyWorker.objects.visible_to(self.request.user).select_related(
            "member", "organization"
        )

    @extend_schema(request=PartyWorkerWriteSerializer, responses=PartyWorkerSerializer)
    def create(self, request, *args, **kwargs):
        serializer = PartyWorkerWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = visible_org_or_404(request.user, data.pop("organization"))
        member = _member_or_error(request.user, data.pop("member"))
        try:
            worker = services.party_worker_save(
                actor=request.user, member=member, organization=organization, **data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(PartyWorkerSerializer(worker).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PartyWorkerEndSerializer, responses=PartyWorkerSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        worker = self.get_object()
        serializer = PartyWorkerEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            worker = services.party_worker_end(
                actor=request.user, worker=worker, on=serializer.validated_data["on"]
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(PartyWorkerSerializer(worker).data)


class PartySchoolTrainingFilter(django_filters.FilterSet):
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = PartySchoolTraining
        fields = ("member", "level")


class PartySchoolTrainingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Rotation courses at party schools of county level or above."""

    serializer_class = PartySchoolTrainingSerializer
    filterset_class = PartySchoolTrainingFilter
    ordering = ("-ends_on", "pk")

    def get_queryset(self):
        return PartySchoolTraining.objects.visible_to(self.request.user).select_related("member")

    @extend_schema(
        request=PartySchoolTrainingWriteSerializer, responses=PartySchoolTrainingSerializer
    )
    def create(self, request, *args, **kwargs):
        serializer = PartySchoolTrainingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = _member_or_error(request.user, data.pop("member"))
        try:
            training = services.party_school_training_add(actor=request.user, member=member, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(
            PartySchoolTrainingSerializer(training).data, status=status.HTTP_201_CREATED
        )


class PartySchoolRotationViewSet(viewsets.GenericViewSet):
    """Rotation status of the party workers of a subtree; heads first."""

    serializer_class = RotationStatusSerializer

    def get_queryset(self):
        return PartyWorker.objects.visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("organization", int, required=True, description="Subtree root."),
            OpenApiParameter(
                "state",
                str,
                enum=["attention", "overdue", "due_soon", "ok", "all"],
                description="Default: attention (due soon and overdue).",
            ),
        ],
        responses=RotationStatusSerializer(many=True),
    )
    def list(self, request):
        org = visible_org_or_404(request.user, _int_param(request, "organization", True))
        state = request.query_params.get("state") or "attention"
        if state not in ("attention", "all", *(s for s, _label in ROTATION_STATES)):
            raise ValidationError({"state": [_("Unknown state “%(state)s”.") % {"state": state}]})
        workers = selectors.workers_within(org, self.get_queryset())
        today = timezone.localdate()
        if state in (RotationState.OK, "all"):
            rows = selectors.rotation_status(workers, today)
        else:
            rows = selectors.rotation_status(workers, today, attention_within=org)
        if state not in ("attention", "all"):
            rows = [r for r in rows if r.state == state]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RotationStatusSerializer(page, many=True).data)


class LeaderLectureViewSet(viewsets.GenericViewSet):
    """Leading cadres without the year's party lecture or situation report."""

    serializer_class = LeaderLectureSerializer

    def get_queryset(self):
        return Member.objects.visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("organization", int, required=True, description="Subtree root."),
            OpenApiParameter("year", int, description="Default: this year."),
        ],
        responses=LeaderLectureSerializer(many=True),
    )
    def list(self, request):
        org = visible_org_or_404(request.user, _int_param(request, "organization", True))
        year = _int_param(request, "year") or timezone.localdate().year
        rows = selectors.leaders_without_lecture(org, year, members=self.get_queryset())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(LeaderLectureSerializer(page, many=True).data)
