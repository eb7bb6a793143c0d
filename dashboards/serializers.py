"""The dashboard of an organisation as JSON (read-only, from `selectors.Dashboard`)."""

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def number(value):
    """Counts stay integers; rates (Decimal percents) become JSON numbers."""
    return float(value) if isinstance(value, Decimal) else value


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    def to_representation(self, value):
        return number(value)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}})
class ValuesField(serializers.Field):
    """{metric key: value}."""

    def to_representation(self, value):
        return {key: number(v) for key, v in value.items()}


@extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
class CountsField(serializers.Field):
    """{count key: count}; zero counts are left out."""

    def to_representation(self, value):
        return dict(value)


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    level = serializers.CharField()


class MetricValueSerializer(serializers.Serializer):
    """One metric of the organisation's subtree (a `selectors.Card`)."""

    key = serializers.CharField()
    label = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()
    value = NumberField(help_text="This year; rates in percent.")
    previous = NumberField(help_text="The year before.")
    delta = NumberField()
    lower_is_better = serializers.BooleanField(source="metric.lower_is_better")
    worse = serializers.BooleanField(help_text="Moved the wrong way since the year before.")
    rate = serializers.SerializerMethodField()
    url = serializers.CharField(allow_null=True, help_text="The page listing the records counted.")

    def get_label(self, card) -> str:
        return str(card.metric.label)

    def get_group(self, card) -> str:
        return str(card.metric.group)

    def get_rate(self, card) -> bool:
        return card.metric.rate_of is not None


class ChildRowSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    values = ValuesField(help_text="{metric key: value} for the columns in `table_metrics`.")
    computed_at = serializers.DateTimeField(allow_null=True)
    dashboard = serializers.SerializerMethodField(help_text="API URL of the child's dashboard.")

    def get_dashboard(self, row) -> str:
        return reverse("v1:dashboard-detail", args=[row.organization.pk])


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    activities = serializers.IntegerField()
    attendance_expected = serializers.IntegerField()
    attendance_present = serializers.IntegerField()
    attendance_rate = NumberField()


class DashboardSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    year = serializers.IntegerField()
    totals = CountsField(help_text="The subtree's counts of the year, from its roll-up row.")
    previous_totals = CountsField(help_text="The same counts for the year before.")
    metrics = serializers.SerializerMethodField()
    table_metrics = serializers.SerializerMethodField()
    children = ChildRowSerializer(many=True)
    months = MonthSerializer(many=True)
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the organisation's figures were last updated."
    )
    reconciled_at = serializers.DateTimeField(
        allow_null=True, help_text="The province's last full recount of the year."
    )
    reconcile_fixed = serializers.IntegerField(
        allow_null=True, help_text="Roll-up rows that last recount corrected."
    )

    @extend_schema_field(MetricValueSerializer(many=True))
    def get_metrics(self, board):
        cards = [card for _group, group_cards in board.cards for card in group_cards]
        return MetricValueSerializer(cards, many=True).data

    def get_table_metrics(self, board) -> list[str]:
        return [metric.key for metric in board.table_metrics]
