from rest_framework import serializers

from .models import ContactPoint, ResearchVisit


class ContactPointSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = ContactPoint
        fields = (
            "id",
            "leader",
            "leader_name",
            "organization",
            "organization_name",
            "since",
            "until",
            "weak_unit",
            "note",
        )
        read_only_fields = fields


class ContactPointWriteSerializer(serializers.Serializer):
    leader = serializers.IntegerField()
    organization_code = serializers.CharField(max_length=64)
    since = serializers.DateField()
    until = serializers.DateField(required=False, allow_null=True)
    weak_unit = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ContactPointEndSerializer(serializers.Serializer):
    until = serializers.DateField()


class ResearchVisitSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.name", read_only=True)

    class Meta:
        model = ResearchVisit
        fields = (
            "id",
            "leader",
            "leader_name",
            "started_on",
            "days",
            "contact_point",
            "place",
            "hardship_area",
            "findings",
            "problems_solved",
            "recorded_at",
        )
        read_only_fields = fields


class ResearchVisitWriteSerializer(serializers.Serializer):
    leader = serializers.IntegerField()
    started_on = serializers.DateField()
    days = serializers.DecimalField(max_digits=4, decimal_places=1)
    contact_point = serializers.IntegerField(required=False, allow_null=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    hardship_area = serializers.BooleanField(default=False)
    findings = serializers.CharField()
    problems_solved = serializers.CharField(required=False, allow_blank=True, default="")


class ResearchSummarySerializer(serializers.Serializer):
    leader = serializers.IntegerField(source="member.pk")
    leader_name = serializers.CharField(source="member.name")
    leadership_level = serializers.CharField(source="member.leadership_level")
    year = serializers.IntegerField()
    months = serializers.IntegerField()
    days_per_month = serializers.IntegerField()
    required = serializers.DecimalField(max_digits=6, decimal_places=1)
    done = serializers.DecimalField(max_digits=8, decimal_places=1)
    owed = serializers.DecimalField(max_digits=8, decimal_places=1)
    at_contact_points = serializers.DecimalField(max_digits=8, decimal_places=1)
    in_hardship = serializers.DecimalField(max_digits=8, decimal_places=1)
    visits = serializers.IntegerField()
