"""API of the organisation dashboards (read-only).
`routes`: (prefix, viewset, basename) for the v1 router."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from branches.models import Organization

from . import selectors
from .serializers import DashboardSerializer
from .views import parse_year


class DashboardViewSet(viewsets.GenericViewSet):
    """The dashboard of an organisation's whole subtree for a year, from the
    roll-ups: every metric with last year's value, one row per child
    organisation, the months. Only for roles reaching the whole subtree
    (others: 404, as for organisations out of reach)."""

    lookup_value_regex = "[0-9]+"

    serializer_class = DashboardSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return Organization.objects.visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year",
                int,
                description="The year (default: this year); this year or the one before.",
                required=False,
            )
        ],
        responses=DashboardSerializer,
    )
    def retrieve(self, request, pk=None):
        org = get_object_or_404(self.get_queryset(), pk=pk)
        if not selectors.may_view(request.user, org):
            raise Http404
        raw = request.query_params.get("year")
        year = timezone.localdate().year if raw in (None, "") else parse_year(raw)
        if year is None:
            years = ", ".join(str(y) for y in selectors.years())
            raise ValidationError(
                {"year": [_("Give one of the years %(years)s.") % {"years": years}]}
            )
        board = selectors.dashboard(request.user, org, year)
        return Response(DashboardSerializer(board).data)


routes = [("dashboards", DashboardViewSet, "dashboard")]
