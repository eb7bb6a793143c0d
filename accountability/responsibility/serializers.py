from rest_framework import serializers

from .models import (
    AccountabilityMeasure,
    AccountabilityRecord,
    Commendation,
    CommendationKind,
    LeadingGroup,
    LeadingGroupMeeting,
    LeadingGroupMember,
    LeadingGroupRole,
    ResponsibilityAssignment,
    ResponsibilityRole,
)


class AssignmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = ResponsibilityAssignment
        fields = (
            "id",
            "organization",
            "role",
            "member",
            "member_name",
            "post",
            "duties",
            "valid_from",
            "valid_to",
        )
        read_only_fields = fields


class AssignmentWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    role = serializers.ChoiceField(choices=ResponsibilityRole.choices)
    member = serializers.IntegerField()
    post = serializers.CharField(max_length=100)
    duties = serializers.CharField(required=False, default="", allow_blank=True)
    valid_from = serializers.DateField(required=False, default=None, allow_null=True)


class EndSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, default=None, allow_null=True)


class SeatSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = LeadingGroupMember
        fields = ("id", "group", "member", "member_name", "group_role", "post", "since", "until")
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = LeadingGroupMeeting
        fields = ("id", "group", "held_on", "topics", "decisions", "attendees")
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadingGroup
        fields = ("id", "organization", "name", "set_up_on", "remit")
        read_only_fields = fields


class GroupDetailSerializer(GroupSerializer):
    members = SeatSerializer(many=True, read_only=True)

    class Meta(GroupSerializer.Meta):
        fields = (*GroupSerializer.Meta.fields, "members")
        read_only_fields = fields


class GroupWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    set_up_on = serializers.DateField()
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    remit = serializers.CharField(required=False, default="", allow_blank=True)


class SeatWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    group_role = serializers.ChoiceField(choices=LeadingGroupRole.choices)
    post = serializers.CharField(max_length=100)
    since = serializers.DateField(required=False, default=None, allow_null=True)


class MeetingWriteSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    topics = serializers.CharField()
    decisions = serializers.CharField()
    attendees = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class CommendationSerializer(serializers.ModelSerializer):
    nominee_name = serializers.SerializerMethodField()

    class Meta:
        model = Commendation
        fields = (
            "id",
            "kind",
            "year",
            "nominee_org",
            "nominee_member",
            "nominee_name",
            "nominee_unit",
            "nominated_by",
            "awarded_by",
            "deeds",
            "status",
            "decided_on",
            "note",
        )
        read_only_fields = fields

    def get_nominee_name(self, obj) -> str:
        return str(obj.nominee)


class CommendationWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CommendationKind.choices)
    year = serializers.IntegerField()
    nominated_by = serializers.IntegerField()
    awarded_by = serializers.IntegerField()
    nominee_org = serializers.IntegerField(required=False, allow_null=True, default=None)
    nominee_member = serializers.IntegerField(required=False, allow_null=True, default=None)
    deeds = serializers.CharField()


class DecideSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, default=None, allow_null=True)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountabilityRecord
        fields = (
            "id",
            "organization",
            "member",
            "decided_by",
            "decided_on",
            "failure",
            "measure",
        )
        read_only_fields = fields


class RecordWriteSerializer(serializers.Serializer):
    decided_by = serializers.IntegerField()
    organization = serializers.IntegerField()
    member = serializers.IntegerField(required=False, allow_null=True, default=None)
    decided_on = serializers.DateField()
    failure = serializers.CharField()
    measure = serializers.ChoiceField(choices=AccountabilityMeasure.choices)
