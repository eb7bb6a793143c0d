from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin
from members.models import Member

from .models import (
    ActivityKind,
    AttachmentKind,
    EducationBase,
    PartyPost,
    SchoolLevel,
    Teacher,
    TeacherCategory,
    Textbook,
)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ActivityForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("topic"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("date and time"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    hours = forms.DecimalField(
        label=_("duration (hours)"), min_value=0.5, max_value=24, max_digits=4, decimal_places=1
    )
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    lecturer = forms.CharField(label=_("lecturer"), max_length=100, required=False)
    # Current members of the branch (set in __init__); leaders of higher
    # committees come through the teacher registry (Teacher.member).
    lecturer_member = forms.ModelChoiceField(
        label=_("lecturer (member)"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("A leader's lecture counts toward the leader's yearly duty."),
    )
    # Pick lists from the registries of the branch and its ancestors (set in __init__).
    teacher = forms.ModelChoiceField(
        label=_("teacher (registry)"),
        queryset=Teacher.objects.none(),
        required=False,
        help_text=_("Picking a teacher fills an empty lecturer."),
    )
    base = forms.ModelChoiceField(
        label=_("education base"), queryset=EducationBase.objects.none(), required=False
    )
    textbook = forms.ModelChoiceField(
        label=_("textbook"), queryset=Textbook.objects.none(), required=False
    )
    content = forms.CharField(
        label=_("content"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.CharField(
        label=_("reason for the correction"),
        max_length=300,
        required=False,
        help_text=_("Needed when the education year is closed."),
    )

    def __init__(self, *args, branch=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if branch is not None:
            from .selectors import registry_choices

            for name, queryset in registry_choices(branch).items():
                self.fields[name].queryset = queryset
            if user is not None:
                self.fields["lecturer_member"].queryset = (
                    Member.objects.visible_to(user)
                    .filter(branch=branch, left_on__isnull=True)
                    .order_by("name", "pk")
                )


# --- Review campaigns ----------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CampaignStepForm(BootstrapFormMixin, forms.Form):
    step = forms.ChoiceField(label=_("step"))
    done_on = forms.DateField(label=_("done on"), widget=DateInput())
    notes = forms.CharField(
        label=_("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(str(s), s.label) for s in steps]


class CampaignUpdateForm(BootstrapFormMixin, forms.Form):
    mass_opinions = forms.CharField(
        label=_("opinions of the masses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    meeting = forms.ModelChoiceField(
        label=_("special organisational life meeting"),
        queryset=None,
        required=False,
        help_text=_("A thematic organisational life meeting recorded under the activities."),
    )
    comprehensive_opinion = forms.CharField(
        label=_("comprehensive opinion of the branch"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class PartySpiritScheduleForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    notes = forms.CharField(
        label=_("arrangements"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


# --- Attachments and registries ------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class AttachmentUploadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("attachment kind"), choices=AttachmentKind.choices)
    file = MultipleFileField(
        label=_("files"),
        help_text=_(
            "Photos: JPEG, PNG or WebP. Sign-in sheet scans: PDF, JPEG or PNG. "
            "Several files at once are allowed."
        ),
    )


class TeacherForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=64)
    category = forms.ChoiceField(label=_("category"), choices=TeacherCategory.choices)
    unit = forms.CharField(label=_("work unit"), max_length=200, required=False)
    specialty = forms.CharField(label=_("subjects"), max_length=200, required=False)


class EducationBaseForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("name of the base"), max_length=200)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    theme = forms.CharField(label=_("theme"), max_length=200, required=False)


class TextbookForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    publisher = forms.CharField(label=_("publisher"), max_length=200, required=False)
    published_year = forms.IntegerField(
        label=_("year published"), required=False, min_value=1921, max_value=2100
    )


# --- Party workers and party-school training (helper-c2) ----------------------------


class PartyWorkerForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none())
    post = forms.ChoiceField(label=_("post"), choices=PartyPost.choices)
    since = forms.DateField(label=_("since"), widget=DateInput())
    until = forms.DateField(label=_("until"), widget=DateInput(), required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class PartySchoolTrainingForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none())
    school = forms.CharField(
        label=_("party school"),
        max_length=200,
        help_text=_("County level or above, e.g. 中共西湖区委党校."),
    )
    level = forms.ChoiceField(label=_("level"), choices=SchoolLevel.choices)
    starts_on = forms.DateField(label=_("from"), widget=DateInput())
    ends_on = forms.DateField(label=_("to"), widget=DateInput())
    course = forms.CharField(label=_("course"), max_length=200, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class EndPostForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("last day in the post"), widget=DateInput())


# --- Self-study and closed years (helper-b) ------------------------------------------


class CorrectionReasonMixin(forms.Form):
    """A reason for the correction, asked when the year is closed."""

    reason = forms.CharField(
        label=_("reason for the correction"),
        max_length=300,
        required=False,
        help_text=_("Needed when the education year is closed."),
    )


class StudyPlanForm(BootstrapFormMixin, CorrectionReasonMixin):
    content = forms.CharField(
        label=_("plan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you mean to study this year, and how."),
    )
    field_order = ["content", "reason"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "plan_%s")  # two forms share one page
        super().__init__(*args, **kwargs)


class SelfStudyForm(BootstrapFormMixin, CorrectionReasonMixin):
    on = forms.DateField(label=_("date"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("hours"), min_value=0.1, max_value=24, max_digits=4, decimal_places=1
    )
    material = forms.CharField(label=_("what was studied"), max_length=200)
    textbook = forms.ModelChoiceField(
        label=_("textbook"), queryset=Textbook.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    field_order = ["on", "hours", "material", "textbook", "notes", "reason"]

    def __init__(self, *args, branch=None, **kwargs):
        kwargs.setdefault("auto_id", "study_%s")
        super().__init__(*args, **kwargs)
        if branch is not None:
            # Textbooks kept by the branch or an ancestor (the registries' rule).
            self.fields["textbook"].queryset = Textbook.objects.filter(
                active=True, organization__path__ancestor_of=branch.path
            ).order_by("title", "pk")


class YearCloseForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    confirm = forms.BooleanField(
        label=_("I understand: the totals of this year are frozen and later changes need a reason.")
    )
