"""API of responsibilities, leading groups, commendations and accountability
records; every write goes through accountability.responsibility.services.
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from branches.api import as_drf_error
from branches.models import Organization
from members.models import Member

from . import services
from .models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroup,
    LeadingGroupMeeting,
    LeadingGroupMember,
    ResponsibilityAssignment,
)
from .serializers import (
    AssignmentSerializer,
    AssignmentWriteSerializer,
    CommendationSerializer,
    CommendationWriteSerializer,
    DecideSerializer,
    EndSerializer,
    GroupDetailSerializer,
    GroupSerializer,
    GroupWriteSerializer,
    MeetingSerializer,
    MeetingWriteSerializer,
    RecordSerializer,
    RecordWriteSerializer,
    SeatSerializer,
    SeatWriteSerializer,
)

ORG_PARAM = OpenApiParameter("organization", int, description="Only rows of this subtree.")


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _org(user, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


def _member(user, pk, field: str) -> Member | None:
    if pk is None:
        return None
    member = Member.objects.visible_to(user).filter(pk=pk).first()
    if member is None:
        raise ValidationError({field: [_("No such member.")]})
    return member


class _Listed(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    org_path_field = "organization"

    def scoped(self, queryset):
        if self.action == "list" and self.request.query_params.get("organization"):
            try:
                org = _org(self.request.user, int(self.request.query_params["organization"]))
            except ValueError:
                return queryset.none()
            queryset = queryset.filter(**{f"{self.org_path_field}__path__descendant_of": org.path})
        return queryset


@extend_schema(parameters=[ORG_PARAM])
class ResponsibilityAssignmentViewSet(mixins.CreateModelMixin, _Listed):
    """Who answers for party building in a committee (document 4, 一), with history."""

    serializer_class = AssignmentSerializer
    filterset_fields = ("role",)
    ordering = ("organization", "role", "-valid_from", "id")

    def get_queryset(self):
        return self.scoped(
            ResponsibilityAssignment.objects.visible_to(self.request.user).select_related("member")
        )

    @extend_schema(request=AssignmentWriteSerializer, responses=AssignmentSerializer)
    def create(self, request, *args, **kwargs):
        serializer = AssignmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = _org(request.user, data.pop("organization"))
        member = _member(request.user, data.pop("member"), "member")
        row = _call(
            services.assignment_start, actor=request.user, organization=org, member=member, **data
        )
        return Response(AssignmentSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the responsibility; the row stays in the history."""
        row = self.get_object()
        serializer = EndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = _call(
            services.assignment_end,
            actor=request.user,
            assignment=row,
            valid_to=serializer.validated_data["on"],
        )
        return Response(AssignmentSerializer(row).data)


@extend_schema(parameters=[ORG_PARAM])
class LeadingGroupViewSet(mixins.CreateModelMixin, _Listed):
    """Party-building leading groups of committees (document 4, 二)."""

    serializer_class = GroupSerializer
    ordering = ("organization", "id")

    def get_queryset(self):
        queryset = LeadingGroup.objects.visible_to(self.request.user)
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("members", queryset=LeadingGroupMember.objects.select_related("member"))
            )
        return self.scoped(queryset)

    def get_serializer_class(self):
        return GroupSerializer if self.action == "list" else GroupDetailSerializer

    @extend_schema(request=GroupWriteSerializer, responses=GroupDetailSerializer)
    def create(self, request, *args, **kwargs):
        serializer = GroupWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = _org(request.user, data.pop("organization"))
        group = _call(services.group_set_up, actor=request.user, organization=org, **data)
        return Response(GroupDetailSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SeatWriteSerializer, responses=SeatSerializer)
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request, pk=None):
        """Add a member to the group (head, deputy head or member)."""
        group = self.get_object()
        serializer = SeatWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = _member(request.user, data.pop("member"), "member")
        seat = _call(
            services.group_member_add, actor=request.user, group=group, member=member, **data
        )
        return Response(SeatSerializer(seat).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingWriteSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="meetings")
    def record_meeting(self, request, pk=None):
        """Record a meeting; attendees are ids of the group's members."""
        group = self.get_object()
        serializer = MeetingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = set(data.pop("attendees"))
        seats = list(LeadingGroupMember.objects.filter(group=group, pk__in=ids))
        if len(seats) != len(ids):
            raise ValidationError({"attendees": [_("No such member of the group.")]})
        meeting = _call(
            services.meeting_record, actor=request.user, group=group, attendees=seats, **data
        )
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[ORG_PARAM])
class LeadingGroupMemberViewSet(_Listed):
    serializer_class = SeatSerializer
    org_path_field = "group__organization"
    ordering = ("group", "id")

    def get_queryset(self):
        return self.scoped(
            LeadingGroupMember.objects.visible_to(self.request.user).select_related("member")
        )

    @extend_schema(request=EndSerializer, responses=SeatSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """The person leaves the group."""
        seat = self.get_object()
        serializer = EndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seat = _call(
            services.group_member_remove,
            actor=request.user,
            seat=seat,
            until=serializer.validated_data["on"],
        )
        return Response(SeatSerializer(seat).data)


@extend_schema(parameters=[ORG_PARAM])
class LeadingGroupMeetingViewSet(_Listed):
    serializer_class = MeetingSerializer
    org_path_field = "group__organization"
    ordering = ("-held_on", "-id")

    def get_queryset(self):
        return self.scoped(
            LeadingGroupMeeting.objects.visible_to(self.request.user).prefetch_related("attendees")
        )


@extend_schema(
    parameters=[
        OpenApiParameter("awarded_by", int, description="Only those decided in this subtree.")
    ]
)
class CommendationViewSet(mixins.CreateModelMixin, _Listed):
    """创先争优 nominations and awards (document 4)."""

    serializer_class = CommendationSerializer
    filterset_fields = ("kind", "status", "year")
    ordering = ("-year", "kind", "id")
    org_path_field = "nominee_unit"

    def get_queryset(self):
        queryset = self.scoped(
            Commendation.objects.visible_to(self.request.user).select_related(
                "nominee_org", "nominee_member"
            )
        )
        if self.action == "list" and self.request.query_params.get("awarded_by"):
            try:
                org = _org(self.request.user, int(self.request.query_params["awarded_by"]))
            except ValueError:
                return queryset.none()
            queryset = queryset.filter(awarded_by__path__descendant_of=org.path)
        return queryset

    @extend_schema(request=CommendationWriteSerializer, responses=CommendationSerializer)
    def create(self, request, *args, **kwargs):
        serializer = CommendationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        nominator = _org(request.user, data.pop("nominated_by"))
        # The awarding organisation is above the nominator (often out of its reach):
        # only its ancestors are looked up, so an id elsewhere says nothing.
        awarder = Organization.objects.filter(
            pk=data.pop("awarded_by"), path__ancestor_of=nominator.path
        ).first()
        nominee_org = data.pop("nominee_org")
        if nominee_org is not None:
            nominee_org = (
                Organization.objects.visible_to(request.user).filter(pk=nominee_org).first()
            )
            if nominee_org is None:
                raise ValidationError({"nominee_org": [_("No such organisation.")]})
        member = _member(request.user, data.pop("nominee_member"), "nominee_member")
        row = _call(
            services.commendation_nominate,
            actor=request.user,
            nominated_by=nominator,
            awarded_by=awarder,
            nominee_org=nominee_org,
            nominee_member=member,
            **data,
        )
        return Response(CommendationSerializer(row).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, service):
        row = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = _call(service, actor=request.user, commendation=row, **serializer.validated_data)
        return Response(CommendationSerializer(row).data)

    @extend_schema(request=DecideSerializer, responses=CommendationSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        """The awarding organisation awards the commendation."""
        return self._decide(request, services.commendation_award)

    @extend_schema(request=DecideSerializer, responses=CommendationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The awarding organisation declines the nomination, with a note."""
        return self._decide(request, services.commendation_decline)


@extend_schema(parameters=[ORG_PARAM])
class AccountabilityRecordViewSet(mixins.CreateModelMixin, _Listed):
    """Organisations (and people) held to account (document 4, 五)."""

    serializer_class = RecordSerializer
    filterset_fields = ("measure",)
    ordering = ("-decided_on", "-id")

    def get_queryset(self):
        return self.scoped(AccountabilityRecord.objects.visible_to(self.request.user))

    @extend_schema(request=RecordWriteSerializer, responses=RecordSerializer)
    def create(self, request, *args, **kwargs):
        serializer = RecordWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        decider = _org(request.user, data.pop("decided_by"))
        target = Organization.objects.visible_to(request.user).filter(pk=data.pop("organization"))
        target = target.first()
        member = _member(request.user, data.pop("member"), "member")
        row = _call(
            services.record_create,
            actor=request.user,
            decided_by=decider,
            organization=target,
            member=member,
            **data,
        )
        return Response(RecordSerializer(row).data, status=status.HTTP_201_CREATED)


routes = [
    ("responsibility-assignments", ResponsibilityAssignmentViewSet, "responsibility-assignment"),
    ("leading-groups", LeadingGroupViewSet, "leading-group"),
    ("leading-group-members", LeadingGroupMemberViewSet, "leading-group-member"),
    ("leading-group-meetings", LeadingGroupMeetingViewSet, "leading-group-meeting"),
    ("commendations", CommendationViewSet, "commendation"),
    ("accountability-records", AccountabilityRecordViewSet, "accountability-record"),
]
