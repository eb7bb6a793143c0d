from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from members.models import Member

from .models import (
    STEPS,
    Activity,
    ActivityKind,
    Attachment,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    Campaign,
    CampaignKind,
    CampaignStep,
    CampaignStepRecord,
    EducationBase,
    Evaluation,
    PartySpiritSchedule,
    Rating,
    Teacher,
    TeacherCategory,
    Textbook,
)


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
            "lecturer_member",
            "teacher",
            "base",
            "textbook",
            "content",
            "minutes",
        )
        read_only_fields = fields


class VisibleMemberField(serializers.PrimaryKeyRelatedField):
    """A member the requesting user may see; any other id is refused like a
    missing one (pass the request in the serializer's context)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Member.objects.all(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return Member.objects.visible_to(getattr(request, "user", None))


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
    lecturer_member = VisibleMemberField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A leader's lecture counts toward the leader's yearly duty."),
    )
    content = serializers.CharField(required=False, allow_blank=True, default="")
    # Registry entries of the organisation or its ancestors (ids).
    teacher = serializers.IntegerField(required=False, allow_null=True, default=None)
    base = serializers.IntegerField(required=False, allow_null=True, default=None)
    textbook = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Reason for the correction; required when the year is closed."),
    )


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


class AttendanceGuestSerializer(AttendanceExceptionSerializer):
    """A member of another organisation; present with the full hours by default."""

    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, required=False, default=AttendanceStatus.PRESENT
    )


class AttendanceSaveSerializer(serializers.Serializer):
    exceptions = AttendanceExceptionSerializer(many=True, required=False, default=list)
    guests = AttendanceGuestSerializer(many=True, required=False, default=list)
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Reason for the correction; required when the year is closed."),
    )


class GuestRemoveSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


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
    self_study_hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    self_study_counts = serializers.BooleanField()
    counted_hours = serializers.DecimalField(max_digits=6, decimal_places=1)


# --- Attachments and registries ------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "activity",
            "kind",
            "kind_display",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "url",
        )
        read_only_fields = fields

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("education:attachment", args=[obj.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=False, max_length=30
    )


class _RegistrySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)


class TeacherSerializer(_RegistrySerializer):
    class Meta:
        model = Teacher
        fields = (
            "id",
            "organization",
            "organization_name",
            "name",
            "category",
            "unit",
            "specialty",
            "active",
        )
        read_only_fields = ("id", "organization_name", "active")
        extra_kwargs = {"organization": {"read_only": True}}


class EducationBaseSerializer(_RegistrySerializer):
    class Meta:
        model = EducationBase
        fields = ("id", "organization", "organization_name", "name", "address", "theme", "active")
        read_only_fields = ("id", "organization_name", "active")
        extra_kwargs = {"organization": {"read_only": True}}


class TextbookSerializer(_RegistrySerializer):
    class Meta:
        model = Textbook
        fields = (
            "id",
            "organization",
            "organization_name",
            "title",
            "publisher",
            "published_year",
            "active",
        )
        read_only_fields = ("id", "organization_name", "active")
        extra_kwargs = {"organization": {"read_only": True}}


class TeacherWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    category = serializers.ChoiceField(choices=TeacherCategory.choices)
    unit = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    specialty = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EducationBaseWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    theme = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TextbookWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    published_year = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1921, max_value=2100
    )


class TeacherCreateSerializer(TeacherWriteSerializer):
    organization = serializers.IntegerField(help_text=_("The organisation that keeps it."))


class EducationBaseCreateSerializer(EducationBaseWriteSerializer):
    organization = serializers.IntegerField(help_text=_("The organisation that keeps it."))


class TextbookCreateSerializer(TextbookWriteSerializer):
    organization = serializers.IntegerField(help_text=_("The organisation that keeps it."))


# --- Review campaigns ----------------------------------------------------------------


class CampaignStepRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignStepRecord
        fields = ("id", "step", "done_on", "notes", "done_by")
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Evaluation
        fields = (
            "id",
            "member",
            "member_name",
            "rating",
            "self_analysis_done",
            "opinion",
            "rectification",
            "leader_analysis",
            "updated_at",
        )
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Campaign
        fields = (
            "id",
            "kind",
            "kind_display",
            "organization",
            "organization_name",
            "year",
            "schedule",
            "status",
            "mass_opinions",
            "meeting",
            "comprehensive_opinion",
            "opened_at",
            "closed_at",
            "complete",
        )
        read_only_fields = fields


class CampaignDetailSerializer(CampaignSerializer):
    steps_required = serializers.SerializerMethodField()
    steps = CampaignStepRecordSerializer(many=True, read_only=True)
    evaluations = EvaluationSerializer(many=True, read_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = (*CampaignSerializer.Meta.fields, "steps_required", "steps", "evaluations")
        read_only_fields = fields

    def get_steps_required(self, campaign) -> list[str]:

        return [str(s) for s in STEPS[CampaignKind(campaign.kind)]]


class CampaignUpdateSerializer(serializers.Serializer):
    mass_opinions = serializers.CharField(required=False, allow_blank=True)
    meeting = serializers.IntegerField(
        required=False, help_text=_("A thematic organisational life meeting (activity id).")
    )
    comprehensive_opinion = serializers.CharField(required=False, allow_blank=True)


class CampaignStepWriteSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=CampaignStep.choices)
    done_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class EvaluationEntrySerializer(serializers.Serializer):
    member = serializers.IntegerField()
    rating = serializers.ChoiceField(
        choices=Rating.choices, required=False, allow_blank=True, default=""
    )
    self_analysis_done = serializers.BooleanField(required=False, default=False)
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    rectification = serializers.CharField(required=False, allow_blank=True, default="")
    leader_analysis = serializers.CharField(required=False, allow_blank=True, default="")


class EvaluationsSaveSerializer(serializers.Serializer):
    entries = EvaluationEntrySerializer(many=True)


class PartySpiritScheduleSerializer(serializers.ModelSerializer):
    committee_name = serializers.CharField(source="committee.name", read_only=True)

    class Meta:
        model = PartySpiritSchedule
        fields = ("id", "committee", "committee_name", "year", "notes", "created_at")
        read_only_fields = fields


class PartySpiritScheduleCreateSerializer(serializers.Serializer):
    committee = serializers.IntegerField(help_text=_("A local committee at county level or above."))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
