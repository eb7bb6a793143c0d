from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Certificate, CertificateEntry, Episode, InflowBasis, Reason


class CertificateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Certificate
        fields = (
            "id",
            "episode",
            "member",
            "number",
            "status",
            "requested_at",
            "stamped_by_org",
            "stamped_at",
            "issued_at",
            "checked_in_org",
            "checked_in_at",
            "filed_with",
            "returned_at",
            "cancelled_reason",
        )
        read_only_fields = fields


class EpisodeSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Episode
        fields = (
            "id",
            "member",
            "member_name",
            "outflow_branch",
            "reason",
            "destination_region",
            "destination_employer",
            "destination_address",
            "contact",
            "reported_on",
            "started_on",
            "expected_return",
            "inflow_organization",
            "inflow_basis",
            "status",
            "returned_on",
            "return_review",
            "last_contact_on",
            "lost_contact_since",
            "quarterly_dues",
            "quarterly_dues_reason",
        )
        read_only_fields = fields


class EpisodeWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=Reason.choices)
    destination_region = serializers.CharField(max_length=100)
    destination_employer = serializers.CharField(max_length=200, required=False, default="")
    destination_address = serializers.CharField(max_length=200, required=False, default="")
    contact = serializers.CharField(max_length=100)
    reported_on = serializers.DateField()
    started_on = serializers.DateField()
    expected_return = serializers.DateField(required=False, allow_null=True, default=None)


class CheckInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    code = serializers.CharField(
        max_length=20, help_text=_("The verification code printed on the certificate.")
    )
    inflow_organization = serializers.IntegerField()
    basis = serializers.ChoiceField(choices=InflowBasis.choices)


class ReviewSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("The year reviewed; by default the year of the review date."),
    )
    reviewed_on = serializers.DateField()
    notes = serializers.CharField(required=False, default="", allow_blank=True)

    def validate(self, attrs):
        attrs.setdefault("year", attrs["reviewed_on"].year)
        return attrs


class ReturnSerializer(serializers.Serializer):
    returned_on = serializers.DateField()
    review = serializers.CharField(required=False, default="", allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class DuesPeriodSerializer(serializers.Serializer):
    quarterly = serializers.BooleanField()
    quarterly_dues_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificateEntry
        fields = ("id", "certificate", "kind", "on", "organization", "description", "dues")
        read_only_fields = fields


class EntryWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("org_life", "org_life"), ("dues", "dues")])
    on = serializers.DateField(required=False, help_text="org_life: the date")
    description = serializers.CharField(required=False, default="", allow_blank=True)
    period_start = serializers.DateField(required=False, help_text="dues: first day of the period")
    months = serializers.IntegerField(required=False, default=1, help_text="dues: 1 or 3")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    paid_on = serializers.DateField(required=False)
