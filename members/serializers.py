from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from branches.models import Sector

from .models import (
    DuesPayment,
    Education,
    Gender,
    LeadershipLevel,
    LeaveReason,
    Member,
    MemberStatus,
    Transfer,
)


class MemberSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Blank on members still on the rolls / without a leading post: the schema says so.
    leadership_level = serializers.ChoiceField(
        choices=LeadershipLevel.choices, allow_blank=True, read_only=True
    )
    left_reason = serializers.ChoiceField(
        choices=LeaveReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Member
        fields = (
            "id",
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "education",
            "phone",
            "id_number_masked",
            "joined_on",
            "status",
            "status_display",
            "conversion_due",
            "full_since",
            "branch",
            "branch_name",
            "employer_sector",
            "leadership_level",
            "left_on",
            "left_reason",
        )
        read_only_fields = fields


class MemberWriteSerializer(serializers.Serializer):
    branch = serializers.IntegerField(help_text=_("Id of the member's branch (create only)."))
    name = serializers.CharField(max_length=64)
    gender = serializers.ChoiceField(choices=Gender.choices)
    birth_date = serializers.DateField()
    ethnicity = serializers.CharField(max_length=16, default="汉族")
    education = serializers.ChoiceField(choices=Education.choices)
    id_number = serializers.CharField(max_length=20, write_only=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    joined_on = serializers.DateField()
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    full_since = serializers.DateField(required=False, allow_null=True, default=None)
    employer_sector = serializers.ChoiceField(choices=Sector.choices)
    leadership_level = serializers.ChoiceField(
        choices=LeadershipLevel.choices, required=False, allow_blank=True, default=""
    )


class TransferSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    from_branch_name = serializers.CharField(source="from_branch.name", read_only=True)
    to_branch_name = serializers.CharField(source="to_branch.name", read_only=True)

    class Meta:
        model = Transfer
        fields = (
            "id",
            "member",
            "member_name",
            "from_branch",
            "from_branch_name",
            "to_branch",
            "to_branch_name",
            "status",
            "note",
            "requested_at",
            "due_by",
            "decided_at",
            "rejection_reason",
        )
        read_only_fields = fields


class TransferRequestSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    to_branch_code = serializers.CharField(max_length=32)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DuesSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuesPayment
        fields = ("id", "member", "period_start", "months", "amount", "paid_on", "received_by")
        read_only_fields = ("id", "received_by")


class DuesWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    period_start = serializers.DateField(help_text=_("First day of the month or quarter."))
    months = serializers.ChoiceField(choices=[1, 3], default=1)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    paid_on = serializers.DateField()
