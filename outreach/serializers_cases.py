from rest_framework import serializers

from .models import Case, CaseChannel, ReceptionSlot, Satisfaction, ServiceStation, StationKind


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceStation
        fields = (
            "id",
            "organization",
            "kind",
            "name",
            "address",
            "services",
            "opening_hours",
            "phone",
            "active",
        )
        read_only_fields = ("id",)


class StationWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StationKind.choices)
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200)
    services = serializers.CharField()
    opening_hours = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    active = serializers.BooleanField(required=False, default=True)


class StationUpdateSerializer(StationWriteSerializer):
    organization = None


class ReceptionSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.name", read_only=True)

    class Meta:
        model = ReceptionSlot
        fields = (
            "id",
            "organization",
            "leader",
            "leader_name",
            "starts_at",
            "ends_at",
            "place",
            "note",
        )
        read_only_fields = fields


class ReceptionWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    leader = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class CaseSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True)
    requester_contact = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = (
            "id",
            "organization",
            "channel",
            "reception",
            "station",
            "received_on",
            "requester_name",
            "requester_contact",
            "request",
            "handler",
            "feedback_due",
            "status",
            "outcome",
            "follow_up_department",
            "feedback_on",
            "satisfaction",
            "overdue_since",
            "overdue",
        )
        read_only_fields = fields

    def get_requester_contact(self, case) -> str:
        """Only for those who may handle the case (scope given in the context)."""
        scope = self.context.get("change_scope")
        if scope is None or not scope.covers_path(case.organization.path):
            return ""
        return case.requester_contact


class CaseWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=CaseChannel.choices)
    reception = serializers.IntegerField(required=False, allow_null=True, default=None)
    station = serializers.IntegerField(required=False, allow_null=True, default=None)
    received_on = serializers.DateField()
    requester_name = serializers.CharField(max_length=64)
    requester_contact = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )
    request = serializers.CharField()
    handler = serializers.IntegerField(required=False, allow_null=True, default=None)
    feedback_due = serializers.DateField(required=False, allow_null=True, default=None)
    deadline_note = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )


class AnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("solved", "solved"), ("explained", "explained")])
    outcome = serializers.CharField()
    follow_up_department = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    feedback_on = serializers.DateField()


class CloseSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)


class ReopenSerializer(serializers.Serializer):
    note = serializers.CharField()
    on = serializers.DateField(required=False, allow_null=True, default=None)
