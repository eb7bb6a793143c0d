from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from config.forms import BootstrapFormMixin
from members.models import Member

from .models import (
    AccountabilityMeasure,
    CommendationKind,
    CommendationStatus,
    LeadingGroupMember,
    LeadingGroupRole,
    ResponsibilityRole,
)

DATE = forms.DateInput(attrs={"type": "date"})
# Above this many candidates the person is given by member number, not a list.
SELECT_LIMIT = 300


def person_field(label, queryset, required=True) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(label=label, queryset=queryset, required=required)
    if queryset.count() > SELECT_LIMIT:
        field.widget = forms.NumberInput()
        field.help_text = _("The member number shown on the member's page.")
    return field


def org_choices(form, name: str, queryset) -> None:
    """A list of organisations, or their number when there are too many to list."""
    field = form.fields[name]
    field.queryset = queryset
    if queryset.count() > SELECT_LIMIT:
        field.widget = forms.NumberInput(attrs={"class": "form-control"})
        field.help_text = _("The organisation number shown on its page.")


def _person_css(form):
    widget = form.fields["member"].widget
    widget.attrs["class"] = (
        "form-control" if isinstance(widget, forms.NumberInput) else "form-select"
    )


class AssignmentForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("responsibility"), choices=ResponsibilityRole.choices)
    member = forms.ModelChoiceField(label=_("person"), queryset=Member.objects.none())
    post = forms.CharField(
        label=_("post"), max_length=100, help_text=_("e.g. 县委书记, 县委副书记, 组织部长")
    )
    duties = forms.CharField(
        label=_("duties"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        help_text=_("Required for members with a share (一岗双责)."),
    )
    valid_from = forms.DateField(label=_("from"), widget=DATE)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["member"] = person_field(_("person"), candidates)
            _person_css(self)


class EndForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("until"), widget=DATE, required=False)


class GroupForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    set_up_on = forms.DateField(label=_("set up on"), widget=DATE)
    remit = forms.CharField(label=_("remit"), widget=forms.Textarea({"rows": 2}), required=False)


class SeatForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("person"), queryset=Member.objects.none())
    group_role = forms.ChoiceField(label=_("role in the group"), choices=LeadingGroupRole.choices)
    post = forms.CharField(label=_("post"), max_length=100)
    since = forms.DateField(label=_("since"), widget=DATE)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["member"] = person_field(_("person"), candidates)
            _person_css(self)


class MeetingForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(label=_("held on"), widget=DATE)
    topics = forms.CharField(label=_("topics"), widget=forms.Textarea({"rows": 2}))
    decisions = forms.CharField(label=_("decisions"), widget=forms.Textarea({"rows": 3}))
    attendees = forms.ModelMultipleChoiceField(
        label=_("attendees"),
        queryset=LeadingGroupMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, seats=None, **kwargs):
        super().__init__(*args, **kwargs)
        if seats is not None:
            self.fields["attendees"].queryset = seats
        self.fields["attendees"].widget.attrs["class"] = "form-check-input"


class NominateForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("commendation"), choices=CommendationKind.choices)
    year = forms.IntegerField(label=_("year"), min_value=2000)
    awarded_by = forms.ModelChoiceField(
        label=_("awarding organisation"), queryset=Organization.objects.none()
    )
    nominee_org = forms.ModelChoiceField(
        label=_("nominated organisation"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("For an advanced grassroots party organisation."),
    )
    nominee_member = forms.ModelChoiceField(
        label=_("nominated member"), queryset=Member.objects.none(), required=False
    )
    deeds = forms.CharField(label=_("deeds"), widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, awarders=None, orgs=None, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if awarders is not None:
            self.fields["awarded_by"].queryset = awarders
        if orgs is not None:
            org_choices(self, "nominee_org", orgs)
        if candidates is not None:
            field = person_field(_("nominated member"), candidates, required=False)
            field.help_text = _("For an excellent member or party worker. %(more)s") % {
                "more": field.help_text
            }
            self.fields["nominee_member"] = field
            field.widget.attrs["class"] = (
                "form-control" if isinstance(field.widget, forms.NumberInput) else "form-select"
            )


class DecideForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("decided on"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class CommendationFilter(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(required=False, choices=[("", _("all")), *CommendationKind.choices])
    status = forms.ChoiceField(
        required=False, choices=[("", _("all")), *CommendationStatus.choices]
    )

    def year_or_now(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year


class RecordForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("organisation held accountable"), queryset=Organization.objects.none()
    )
    member = forms.ModelChoiceField(
        label=_("person held accountable"), queryset=Member.objects.none(), required=False
    )
    decided_on = forms.DateField(label=_("decided on"), widget=DATE)
    measure = forms.ChoiceField(label=_("measure"), choices=AccountabilityMeasure.choices)
    failure = forms.CharField(label=_("failure"), widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, targets=None, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            org_choices(self, "organization", targets)
        if candidates is not None:
            self.fields["member"] = person_field(
                _("person held accountable"), candidates, required=False
            )
            _person_css(self)
