"""REST API for activities, attendance and yearly totals: scoped reads,
writes through the services."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from branches.api import as_drf_error, visible_org_or_404
from members.models import Member

from . import selectors, services
from .models import (
    Activity,
    Attachment,
    Attendance,
    Campaign,
    EducationBase,
    Evaluation,
    PartySpiritSchedule,
    Teacher,
    Textbook,
)
from .serializers import (
    ActivitySerializer,
    ActivityWriteSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    AttendanceSaveSerializer,
    AttendanceSerializer,
    CampaignDetailSerializer,
    CampaignSerializer,
    CampaignStepWriteSerializer,
    CampaignUpdateSerializer,
    EducationBaseCreateSerializer,
    EducationBaseSerializer,
    EducationBaseWriteSerializer,
    EvaluationsSaveSerializer,
    GuestRemoveSerializer,
    PartySpiritScheduleCreateSerializer,
    PartySpiritScheduleSerializer,
    TeacherCreateSerializer,
    TeacherSerializer,
    TeacherWriteSerializer,
    TextbookCreateSerializer,
    TextbookSerializer,
    TextbookWriteSerializer,
    YearStatusSerializer,
)


class ActivityFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    year = django_filters.NumberFilter(
        field_name="starts_at", lookup_expr="year", min_value=1921, max_value=9999
    )

    class Meta:
        model = Activity
        fields = ("organization", "kind", "year")


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering = ("-starts_at",)

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user)

    @extend_schema(request=ActivityWriteSerializer, responses=ActivitySerializer)
    def create(self, request, *args, **kwargs):
        serializer = ActivityWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = visible_org_or_404(request.user, data.pop("organization"))
        data.update(registry_picks(organization, data))
        try:
            activity = services.activity_create(
                actor=request.user, organization=organization, **data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=AttendanceSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=AttendanceSaveSerializer,
        responses=AttendanceSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        activity = self.get_object()
        if request.method == "POST":
            serializer = AttendanceSaveSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            exceptions, guests = (
                {
                    e["member"]: {k: v for k, v in e.items() if k != "member"}
                    for e in serializer.validated_data[key]
                }
                for key in ("exceptions", "guests")
            )
            try:
                services.attendance_save(
                    actor=request.user,
                    activity=activity,
                    exceptions=exceptions,
                    guests=guests,
                    reason=serializer.validated_data["reason"],
                )
            except DjangoValidationError as error:
                raise as_drf_error(error) from None
        rows = (
            Attendance.objects.visible_to(request.user)
            .filter(activity=activity)
            .select_related("member")
            .order_by("member__name")
        )
        return Response(AttendanceSerializer(rows, many=True).data)

    @extend_schema(request=GuestRemoveSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="remove-guest")
    def remove_guest(self, request, pk=None):
        """Take a guest (a member of another organisation) off the activity."""
        activity = self.get_object()
        serializer = GuestRemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member_id = serializer.validated_data["member"]
        record = (
            Attendance.objects.filter(activity=activity, member_id=member_id)
            .select_related("member")
            .first()
        )
        try:
            if record is None:
                raise DjangoValidationError(
                    {
                        "member": _("Member %(id)s is not a guest of this activity.")
                        % {"id": member_id}
                    }
                )
            services.guest_remove(
                actor=request.user,
                activity=activity,
                member=record.member,
                reason=serializer.validated_data["reason"],
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def attachments(self, request, pk=None):
        """Photos and sign-in sheet scans; POST adds several files, all or none."""
        activity = self.get_object()
        if request.method == "POST":
            serializer = AttachmentUploadSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                services.attachments_add(
                    actor=request.user,
                    activity=activity,
                    kind=serializer.validated_data["kind"],
                    uploaded_files=serializer.validated_data["files"],
                )
            except DjangoValidationError as error:
                raise as_drf_error(error) from None
        rows = Attachment.objects.visible_to(request.user).filter(activity=activity)
        data = AttachmentSerializer(rows.order_by("uploaded_at", "pk"), many=True).data
        created = request.method == "POST"
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class YearStatusViewSet(viewsets.GenericViewSet):
    """Members' education year against the requirement (document 1, 三（四）)."""

    serializer_class = YearStatusSerializer

    def get_queryset(self):
        return (
            Member.objects.visible_to(self.request.user)
            .filter(left_on__isnull=True)
            .select_related("branch")
            .order_by("branch_id", "name")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="Default: this year."),
            OpenApiParameter("branch", int, description="Only this branch's members."),
        ],
        responses=YearStatusSerializer(many=True),
    )
    def list(self, request):
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
            branch = request.query_params.get("branch")
            members = self.get_queryset()
            if branch:
                members = members.filter(branch_id=int(branch))
        except ValueError:
            raise ValidationError({"year": [_("Year and branch must be numbers.")]}) from None
        if not 1921 <= year <= 9999:
            raise ValidationError({"year": [_("Give a year from 1921 on.")]})
        page = self.paginate_queryset(members)
        return self.get_paginated_response(
            YearStatusSerializer(selectors.year_statuses(page, year), many=True).data
        )


# --- Attachments and registries ------------------------------------------------------


def registry_picks(organization, data: dict) -> dict:
    """Registry ids of an activity resolved within the organisation's ancestor
    line; an id outside it is refused like a missing one."""
    line = selectors.registry_line(organization)
    picks = {}
    for field, model in (("teacher", Teacher), ("base", EducationBase), ("textbook", Textbook)):
        pk = data.get(field)
        if pk is None:
            picks[field] = None
            continue
        entry = model.objects.filter(pk=pk, organization_id__in=line).first()
        if entry is None:
            raise ValidationError(
                {
                    field: [
                        _("No entry %(id)s in the registries of %(org)s or above it.")
                        % {"id": pk, "org": organization}
                    ]
                }
            )
        picks[field] = entry
    return picks


class AttachmentViewSet(
    mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """One attachment; the file itself is at its `url` (served with its checked type)."""

    serializer_class = AttachmentSerializer

    def get_queryset(self):
        return Attachment.objects.visible_to(self.request.user)

    def perform_destroy(self, instance):
        try:
            services.attachment_delete(actor=self.request.user, attachment=instance)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class _RegistryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Entries kept by organisations. `?organization=<id>` lists what that
    organisation uses: its own entries and those of its ancestors."""

    model = None
    write_serializer = None
    create_serializer = None
    save = None
    entry_arg = ""
    filterset_fields = ("active",)
    ordering = None

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        raw = self.request.query_params.get("organization")
        if self.action == "list" and raw:
            try:
                org = visible_org_or_404(self.request.user, int(raw))
            except ValueError:
                raise ValidationError({"organization": [_("Must be a number.")]}) from None
            # Its own entries as the user may see them, and the active ones
            # its ancestors share down the tree (selectors.registry_entries).
            queryset = queryset.filter(organization=org) | self.model.objects.filter(
                organization_id__in=org.ancestor_ids, active=True
            )
        return queryset.select_related("organization")

    def _save(self, **kwargs):
        try:
            return type(self).save(actor=self.request.user, **kwargs)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def create(self, request, *args, **kwargs):
        serializer = self.create_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = visible_org_or_404(request.user, data.pop("organization"))
        entry = self._save(organization=organization, **data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        entry = self.get_object()
        serializer = self.write_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = {name: getattr(entry, name) for name in self.write_serializer().fields}
        fields.update(serializer.validated_data)
        entry = self._save(**{self.entry_arg: entry}, **fields)
        return Response(self.get_serializer(entry).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        try:
            services.registry_entry_delete(actor=self.request.user, entry=instance)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def _set_active(self, active: bool):
        entry = self.get_object()
        try:
            entry = services.registry_entry_deactivate(
                actor=self.request.user, entry=entry, active=active
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(self.get_serializer(entry).data)

    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the entry off the pick lists; activities that used it keep it."""
        return self._set_active(False)

    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        return self._set_active(True)


def _registry_schema(read, write, create):
    return extend_schema_view(
        list=extend_schema(
            parameters=[
                OpenApiParameter(
                    "organization",
                    int,
                    description="What this organisation uses: its own entries and its ancestors'.",
                )
            ]
        ),
        create=extend_schema(request=create, responses={201: read}),
        update=extend_schema(request=write, responses=read),
        partial_update=extend_schema(request=write, responses=read),
        deactivate=extend_schema(request=None, responses=read),
        reactivate=extend_schema(request=None, responses=read),
    )


@_registry_schema(TeacherSerializer, TeacherWriteSerializer, TeacherCreateSerializer)
class TeacherViewSet(_RegistryViewSet):
    """Teaching staff: party-school teachers, experts, advanced models, leading cadres."""

    model = Teacher
    serializer_class = TeacherSerializer
    write_serializer = TeacherWriteSerializer
    create_serializer = TeacherCreateSerializer
    save = staticmethod(services.teacher_save)
    entry_arg = "teacher"


@_registry_schema(
    EducationBaseSerializer, EducationBaseWriteSerializer, EducationBaseCreateSerializer
)
class EducationBaseViewSet(_RegistryViewSet):
    model = EducationBase
    serializer_class = EducationBaseSerializer
    write_serializer = EducationBaseWriteSerializer
    create_serializer = EducationBaseCreateSerializer
    save = staticmethod(services.education_base_save)
    entry_arg = "base"


@_registry_schema(TextbookSerializer, TextbookWriteSerializer, TextbookCreateSerializer)
class TextbookViewSet(_RegistryViewSet):
    model = Textbook
    serializer_class = TextbookSerializer
    write_serializer = TextbookWriteSerializer
    create_serializer = TextbookCreateSerializer
    save = staticmethod(services.textbook_save)
    entry_arg = "textbook"


# --- Review campaigns (document 1, 二（二）3) ---------------------------------------


class CampaignFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = Campaign
        fields = ("kind", "year", "organization", "status")


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Democratic reviews and party-spirit analyses; every write through the services."""

    filterset_class = CampaignFilter
    ordering = ("-year", "kind", "organization_id")

    def get_queryset(self):
        return Campaign.objects.visible_to(self.request.user).select_related("organization")

    def get_serializer_class(self):
        return CampaignSerializer if self.action == "list" else CampaignDetailSerializer

    def _detail(self, campaign) -> Response:
        campaign = (
            self.get_queryset()
            .prefetch_related(
                "steps", Prefetch("evaluations", Evaluation.objects.select_related("member"))
            )
            .get(pk=campaign.pk)
        )
        return Response(CampaignDetailSerializer(campaign).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(request=CampaignUpdateSerializer, responses=CampaignDetailSerializer)
    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        serializer = CampaignUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "meeting" in data:
            data["meeting"] = (
                Activity.objects.visible_to(request.user).filter(pk=data["meeting"]).first()
            )
            if data["meeting"] is None:
                raise ValidationError({"meeting": [_("No such activity.")]})
        try:
            services.campaign_update(actor=request.user, campaign=campaign, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return self._detail(campaign)

    @extend_schema(request=CampaignStepWriteSerializer, responses=CampaignDetailSerializer)
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        campaign = self.get_object()
        serializer = CampaignStepWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.campaign_step_record(
                actor=request.user, campaign=campaign, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return self._detail(campaign)

    @extend_schema(request=EvaluationsSaveSerializer, responses=CampaignDetailSerializer)
    @action(detail=True, methods=["post"])
    def evaluations(self, request, pk=None):
        campaign = self.get_object()
        serializer = EvaluationsSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entries = {}
        for entry in serializer.validated_data["entries"]:
            if entry["member"] in entries:
                raise ValidationError(
                    {"entries": [_("Member %(id)s is given twice.") % {"id": entry["member"]}]}
                )
            entries[entry["member"]] = {k: v for k, v in entry.items() if k != "member"}
        try:
            services.evaluations_save(actor=request.user, campaign=campaign, entries=entries)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return self._detail(campaign)

    @extend_schema(request=None, responses=CampaignDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        campaign = self.get_object()
        try:
            services.campaign_close(actor=request.user, campaign=campaign)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return self._detail(campaign)


class PartySpiritScheduleFilter(django_filters.FilterSet):
    committee = django_filters.NumberFilter(field_name="committee_id")

    class Meta:
        model = PartySpiritSchedule
        fields = ("committee", "year")


class PartySpiritScheduleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Five-yearly party-spirit analyses arranged by committees at county level or above."""

    serializer_class = PartySpiritScheduleSerializer
    filterset_class = PartySpiritScheduleFilter
    ordering = ("-year", "committee_id")

    def get_queryset(self):
        return (
            PartySpiritSchedule.objects.visible_to(self.request.user)
            .select_related("committee")
            .order_by("-year", "committee_id")
        )

    @extend_schema(
        request=PartySpiritScheduleCreateSerializer,
        responses={201: PartySpiritScheduleSerializer},
    )
    def create(self, request):
        serializer = PartySpiritScheduleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        committee = visible_org_or_404(request.user, data.pop("committee"))
        try:
            schedule = services.party_spirit_schedule(
                actor=request.user, committee=committee, **data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(
            PartySpiritScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED
        )
