"""Serializers of commitments and service posts."""

from rest_framework import serializers

from .models import (
    Commitment,
    CommitmentEvaluation,
    CommitmentProgress,
    PostHolder,
    PostLog,
    ServicePost,
)


class CommitmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Commitment
        fields = (
            "id",
            "member",
            "member_name",
            "branch",
            "year",
            "content",
            "target_date",
            "status",
            "decided_at",
            "decision_note",
            "completed_on",
            "completion_note",
            "created_at",
        )
        read_only_fields = fields


class CommitmentWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    content = serializers.CharField(max_length=2000)
    target_date = serializers.DateField()
    submit = serializers.BooleanField(default=False)


class CommitmentNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CommitmentCompleteSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    completed_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CommitmentProgressSerializer(serializers.ModelSerializer):
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = CommitmentProgress
        fields = ("id", "commitment", "on", "note", "evidence_name", "has_evidence", "recorded_at")
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class CommitmentProgressWriteSerializer(serializers.Serializer):
    on = serializers.DateField()
    note = serializers.CharField(max_length=2000)
    evidence = serializers.FileField(required=False, allow_null=True, default=None)


class CommitmentEvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitmentEvaluation
        fields = ("id", "commitment", "rating", "comment", "created_at", "hidden")
        read_only_fields = fields


class CommitmentEvaluationHideSerializer(serializers.Serializer):
    hidden = serializers.BooleanField(default=True)


class ServicePostSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServicePost
        fields = ("id", "organization", "title", "duties", "places", "active", "created_at")
        read_only_fields = fields


class ServicePostWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    title = serializers.CharField(max_length=100)
    duties = serializers.CharField()
    places = serializers.IntegerField(min_value=1, max_value=99, default=1)


class PostHolderSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = PostHolder
        fields = (
            "id",
            "post",
            "member",
            "member_name",
            "applied",
            "status",
            "since",
            "until",
            "note",
            "created_at",
        )
        read_only_fields = fields


class PostAssignSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    since = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PostApplySerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PostHolderEndSerializer(serializers.Serializer):
    until = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PostLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = PostLog
        fields = ("id", "holder", "on", "note")
        read_only_fields = ("id", "holder")
