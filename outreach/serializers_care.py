"""Serializers of care. A pairing never carries the household's contact."""

from rest_framework import serializers

from .models import (
    CareKind,
    CareRecord,
    Household,
    Pairing,
    PairingVisit,
    VolunteerKind,
    VolunteerRecord,
)


class HouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = (
            "id",
            "organization",
            "head_name",
            "locality",
            "difficulty",
            "contact",
            "consent_on",
            "closed_on",
            "created_at",
        )
        read_only_fields = fields

    def to_representation(self, instance):
        """The contact only for those who may change the household's organisation."""
        data = super().to_representation(instance)
        scope = self.context.get("change_scope")
        if scope is None or not scope.covers_path(instance.organization.path):
            data["contact"] = ""
        return data


class HouseholdWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    head_name = serializers.CharField(max_length=64)
    locality = serializers.CharField(max_length=100)
    difficulty = serializers.CharField()
    contact = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    consent_on = serializers.DateField()


class HouseholdUpdateSerializer(serializers.Serializer):
    head_name = serializers.CharField(max_length=64, required=False)
    locality = serializers.CharField(max_length=100, required=False)
    difficulty = serializers.CharField(required=False)
    contact = serializers.CharField(max_length=40, required=False, allow_blank=True)
    consent_on = serializers.DateField(required=False)


class HouseholdCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PairingSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    household_name = serializers.CharField(source="household.head_name", read_only=True)
    household_locality = serializers.CharField(source="household.locality", read_only=True)

    class Meta:
        model = Pairing
        fields = (
            "id",
            "member",
            "member_name",
            "household",
            "household_name",
            "household_locality",
            "branch",
            "started_on",
            "goal",
            "ended_on",
            "end_note",
        )
        read_only_fields = fields


class PairingWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    household = serializers.IntegerField()
    started_on = serializers.DateField()
    goal = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PairingEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    end_note = serializers.CharField(allow_blank=True)


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = PairingVisit
        fields = ("id", "pairing", "on", "help_given", "household_progress", "recorded_by")
        read_only_fields = fields


class VisitWriteSerializer(serializers.Serializer):
    on = serializers.DateField()
    help_given = serializers.CharField(allow_blank=True)
    household_progress = serializers.CharField(required=False, allow_blank=True, default="")


class VolunteerSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = VolunteerRecord
        fields = (
            "id",
            "member",
            "member_name",
            "branch",
            "kind",
            "on",
            "hours",
            "organiser",
            "description",
            "amount",
            "recorded_by",
            "recorded_at",
        )
        read_only_fields = fields


class VolunteerWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        required=False, help_text="With members: the organisation recording for them."
    )
    members = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Members of the organisation (all recorded or none); omit to record your own.",
    )
    kind = serializers.ChoiceField(choices=VolunteerKind.choices)
    on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    organiser = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=300, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )


class CareSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = CareRecord
        fields = (
            "id",
            "member",
            "member_name",
            "branch",
            "kind",
            "on",
            "support",
            "amount",
            "given_by",
            "recorded_by",
        )
        read_only_fields = fields


class CareWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CareKind.choices)
    on = serializers.DateField()
    support = serializers.CharField(allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )
    given_by = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
