"""API of outreach: commitments and service posts. `routes`: (prefix, viewset,
basename) for the v1 router. Querysets through visible_to, writes through
outreach.services_commitments."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from branches.api import as_drf_error
from branches.models import Organization
from members.models import Member

from . import services_commitments as services
from .models import (
    Commitment,
    CommitmentEvaluation,
    CommitmentProgress,
    PostHolder,
    PostLog,
    ServicePost,
)
from .serializers_commitments import (
    CommitmentCompleteSerializer,
    CommitmentEvaluationHideSerializer,
    CommitmentEvaluationSerializer,
    CommitmentNoteSerializer,
    CommitmentProgressSerializer,
    CommitmentProgressWriteSerializer,
    CommitmentSerializer,
    CommitmentWriteSerializer,
    PostApplySerializer,
    PostAssignSerializer,
    PostHolderEndSerializer,
    PostHolderSerializer,
    PostLogSerializer,
    ServicePostSerializer,
    ServicePostWriteSerializer,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


class CommitmentFilter(django_filters.FilterSet):
    # Plain numbers: a choice filter would tell an out-of-scope id from a missing one.
    branch = django_filters.NumberFilter(field_name="branch_id")
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = Commitment
        fields = ("status", "year", "branch", "member")


class CommitmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Members' commitments (document 2, 二（二）)."""

    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
    ordering = ("-year", "target_date", "id")

    def get_queryset(self):
        return Commitment.objects.visible_to(self.request.user).select_related("member")

    def _done(self, commitment):
        return Response(
            CommitmentSerializer(get_object_or_404(self.get_queryset(), pk=commitment.pk)).data
        )

    @extend_schema(request=CommitmentWriteSerializer, responses=CommitmentSerializer)
    def create(self, request, *args, **kwargs):
        serializer = CommitmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        commitment = _call(services.commitment_create, actor=request.user, member=member, **data)
        return Response(CommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        c = self.get_object()
        return self._done(_call(services.commitment_submit, actor=request.user, commitment=c))

    @extend_schema(request=CommitmentNoteSerializer, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        c = self.get_object()
        s = CommitmentNoteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            _call(services.commitment_approve, actor=request.user, commitment=c, **s.validated_data)
        )

    @extend_schema(request=CommitmentNoteSerializer, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        c = self.get_object()
        s = CommitmentNoteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            _call(services.commitment_return, actor=request.user, commitment=c, **s.validated_data)
        )

    @extend_schema(request=CommitmentCompleteSerializer, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        c = self.get_object()
        s = CommitmentCompleteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            _call(
                services.commitment_complete, actor=request.user, commitment=c, **s.validated_data
            )
        )

    @extend_schema(request=CommitmentNoteSerializer, responses=CommitmentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        c = self.get_object()
        s = CommitmentNoteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            _call(
                services.commitment_withdraw, actor=request.user, commitment=c, **s.validated_data
            )
        )

    @extend_schema(methods=["get"], request=None, responses=CommitmentProgressSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=CommitmentProgressWriteSerializer,
        responses=CommitmentProgressSerializer,
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def progress(self, request, pk=None):
        c = self.get_object()
        if request.method == "GET":
            rows = CommitmentProgress.objects.visible_to(request.user).filter(commitment=c)
            return Response(CommitmentProgressSerializer(rows, many=True).data)
        s = CommitmentProgressWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        row = _call(services.progress_add, actor=request.user, commitment=c, **s.validated_data)
        return Response(CommitmentProgressSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CommitmentEvaluationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def evaluations(self, request, pk=None):
        """Evaluations by the masses, hidden ones included (for the branch)."""
        c = self.get_object()
        rows = CommitmentEvaluation.objects.visible_to(request.user).filter(commitment=c)
        return Response(CommitmentEvaluationSerializer(rows, many=True).data)


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evaluations left on the public board, read by the branch."""

    serializer_class = CommitmentEvaluationSerializer
    filterset_fields = ("rating", "hidden")
    ordering = ("-created_at",)

    def get_queryset(self):
        return CommitmentEvaluation.objects.visible_to(self.request.user)

    @extend_schema(
        request=CommitmentEvaluationHideSerializer, responses=CommitmentEvaluationSerializer
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        e = self.get_object()
        s = CommitmentEvaluationHideSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        e = _call(services.evaluation_hide, actor=request.user, evaluation=e, **s.validated_data)
        return Response(CommitmentEvaluationSerializer(e).data)


class PostFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = ServicePost
        fields = ("active", "organization")


class ServicePostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Service posts (document 2, 二（三）)."""

    serializer_class = ServicePostSerializer
    filterset_class = PostFilter
    ordering = ("title", "id")

    def get_queryset(self):
        return ServicePost.objects.visible_to(self.request.user)

    @extend_schema(request=ServicePostWriteSerializer, responses=ServicePostSerializer)
    def create(self, request, *args, **kwargs):
        s = ServicePostWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        org = get_object_or_404(
            Organization.objects.visible_to(request.user), pk=data.pop("organization")
        )
        post = _call(services.post_create, actor=request.user, organization=org, **data)
        return Response(ServicePostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PostAssignSerializer, responses=PostHolderSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        post = self.get_object()
        s = PostAssignSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        member = get_object_or_404(Member.objects.visible_to(request.user), pk=data.pop("member"))
        holder = _call(services.post_assign, actor=request.user, post=post, member=member, **data)
        return Response(PostHolderSerializer(holder).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PostApplySerializer, responses=PostHolderSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """An application: by the member for themselves, or entered by the organisation."""
        post = self.get_object()
        s = PostApplySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        members = Member.objects.visible_to(request.user)
        if "member" in data:
            member = get_object_or_404(members, pk=data.pop("member"))
        else:
            member = get_object_or_404(members, user=request.user)
        holder = _call(services.post_apply, actor=request.user, post=post, member=member, **data)
        return Response(PostHolderSerializer(holder).data, status=status.HTTP_201_CREATED)


class HolderFilter(django_filters.FilterSet):
    post = django_filters.NumberFilter(field_name="post_id")
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = PostHolder
        fields = ("status", "post", "member")


class PostHolderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members on service posts: applications, holdings and their log."""

    serializer_class = PostHolderSerializer
    filterset_class = HolderFilter
    ordering = ("post", "id")

    def get_queryset(self):
        return PostHolder.objects.visible_to(self.request.user).select_related("member")

    def _done(self, holder):
        return Response(
            PostHolderSerializer(get_object_or_404(self.get_queryset(), pk=holder.pk)).data
        )

    @extend_schema(request=None, responses=PostHolderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        h = self.get_object()
        return self._done(_call(services.holder_approve, actor=request.user, holder=h))

    @extend_schema(request=CommitmentNoteSerializer, responses=PostHolderSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        h = self.get_object()
        s = CommitmentNoteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            _call(services.holder_decline, actor=request.user, holder=h, **s.validated_data)
        )

    @extend_schema(request=PostHolderEndSerializer, responses=PostHolderSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        h = self.get_object()
        s = PostHolderEndSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            _call(services.holder_end, actor=request.user, holder=h, **s.validated_data)
        )

    @extend_schema(methods=["get"], request=None, responses=PostLogSerializer(many=True))
    @extend_schema(methods=["post"], request=PostLogSerializer, responses=PostLogSerializer)
    @action(detail=True, methods=["get", "post"])
    def logs(self, request, pk=None):
        h = self.get_object()
        if request.method == "GET":
            rows = PostLog.objects.visible_to(request.user).filter(holder=h)
            return Response(PostLogSerializer(rows, many=True).data)
        s = PostLogSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        log = _call(services.post_log_add, actor=request.user, holder=h, **s.validated_data)
        return Response(PostLogSerializer(log).data, status=status.HTTP_201_CREATED)


routes = [
    ("commitments", CommitmentViewSet, "commitment"),
    ("commitment-evaluations", EvaluationViewSet, "commitment-evaluation"),
    ("service-posts", ServicePostViewSet, "service-post"),
    ("post-holders", PostHolderViewSet, "post-holder"),
]
