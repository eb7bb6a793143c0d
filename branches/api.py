"""REST API for the tree and roles. Every queryset goes through visible_to;
writes go through the services, which check scope in their transaction."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response

from . import selectors, services
from .models import Organization, RoleAssignment
from .serializers import (
    EndRoleSerializer,
    MeSerializer,
    MoveSerializer,
    OrganizationCreateSerializer,
    OrganizationSerializer,
    RoleAssignmentCreateSerializer,
    RoleAssignmentSerializer,
)


def as_drf_error(error: DjangoValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError(
            {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}
        )
    return ValidationError({"non_field_errors": error.messages})


def visible_org_or_404(user, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=pk)


class OrganizationFilter(django_filters.FilterSet):
    # Plain numbers: a choice filter would check ids against all organisations
    # and so tell an out-of-scope id from a missing one.
    parent = django_filters.NumberFilter(field_name="parent_id")

    class Meta:
        model = Organization
        fields = ("kind", "level", "sector", "is_mobile_org", "parent")


class RoleAssignmentFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    user = django_filters.NumberFilter(field_name="user_id")

    class Meta:
        model = RoleAssignment
        fields = ("role", "organization", "user")


@extend_schema(summary="The logged-in user")
class MeView(RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


@extend_schema(
    parameters=[
        OpenApiParameter(
            "within", int, description="Only this organisation's subtree (itself included)."
        ),
    ]
)
class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    search_fields = ("name", "code")
    ordering_fields = ("path", "name", "code", "depth")
    ordering = ("path",)

    def get_queryset(self):
        qs = Organization.objects.visible_to(self.request.user)
        within = self.request.query_params.get("within")
        if within is not None and self.action == "list":
            try:
                within_pk = int(within)
            except ValueError:
                raise ValidationError({"within": [_("Must be an organisation id.")]}) from None
            qs = qs.within(visible_org_or_404(self.request.user, within_pk))
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return OrganizationCreateSerializer
        if self.action == "move":
            return MoveSerializer
        return OrganizationSerializer

    @extend_schema(request=OrganizationCreateSerializer, responses=OrganizationSerializer)
    def create(self, request, *args, **kwargs):
        serializer = OrganizationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parent = visible_org_or_404(request.user, data.pop("parent"))
        try:
            org = services.organization_create(actor=request.user, parent=parent, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(OrganizationSerializer(org).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OrganizationSerializer(many=True))
    @action(detail=True)
    def children(self, request, pk=None):
        org = self.get_object()
        children = Organization.objects.visible_to(request.user).filter(parent=org)
        page = self.paginate_queryset(children.order_by("code"))
        return self.get_paginated_response(OrganizationSerializer(page, many=True).data)

    @extend_schema(responses=OrganizationSerializer(many=True))
    @action(detail=True)
    def ancestors(self, request, pk=None):
        org = self.get_object()
        return Response(
            OrganizationSerializer(selectors.visible_ancestors(request.user, org), many=True).data
        )

    @extend_schema(request=MoveSerializer, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        org = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = visible_org_or_404(request.user, serializer.validated_data["parent"])
        try:
            org = services.organization_move(
                actor=request.user, organization=org, new_parent=parent
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(OrganizationSerializer(org).data)


class RoleAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RoleAssignmentSerializer
    filterset_class = RoleAssignmentFilter
    ordering = ("organization__path", "role")

    def get_queryset(self):
        return RoleAssignment.objects.visible_to(self.request.user).select_related(
            "user", "organization"
        )

    @extend_schema(request=RoleAssignmentCreateSerializer, responses=RoleAssignmentSerializer)
    def create(self, request, *args, **kwargs):
        serializer = RoleAssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = visible_org_or_404(request.user, data.pop("organization"))
        try:
            assignment = services.role_assign(actor=request.user, organization=org, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(RoleAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndRoleSerializer, responses=RoleAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        serializer = EndRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = services.role_end(
                actor=request.user, assignment=assignment, on=serializer.validated_data["on"]
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(RoleAssignmentSerializer(assignment).data)
