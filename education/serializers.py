from decimal import Decimal

from rest_framework import serializers

from .models import Activity, ActivityKind, Attendance, AttendanceStatus


class ActivitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Activity
        fields = (
            "id",
            "organization",
            "kind",
            "kind_display",
            "title",
            "starts_at",
            "hours",
            "place",
            "lecturer",
            "content",
            "minutes",
        )
        read_only_fields = fields


class ActivityWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal("24")
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lecturer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ("id", "activity", "member", "member_name", "status", "reason", "credited_hours")
        read_only_fields = fields


class AttendanceExceptionSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, required=False)


class AttendanceSaveSerializer(serializers.Serializer):
    exceptions = AttendanceExceptionSerializer(many=True, required=False, default=list)


class YearStatusSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    year = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    days = serializers.DecimalField(max_digits=6, decimal_places=1)
    required_days = serializers.IntegerField()
    required_hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    remaining_hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    individual = serializers.BooleanField()
    compliant = serializers.BooleanField()
