from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin

from .models import (
    CaseChannel,
    CaseStatus,
    ReceptionSlot,
    Satisfaction,
    ServiceStation,
    StationKind,
)

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StationForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=StationKind.choices)
    name = forms.CharField(label=_("name"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200)
    services = forms.CharField(label=_("services offered"), widget=forms.Textarea({"rows": 3}))
    opening_hours = forms.CharField(label=_("opening times"), max_length=200)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    active = forms.BooleanField(label=_("open"), required=False, initial=True)


class ReceptionForm(BootstrapFormMixin, forms.Form):
    leader = forms.ModelChoiceField(label=_("leader"), queryset=None)
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DATETIME)
    place = forms.CharField(label=_("place"), max_length=200)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders


class CaseForm(BootstrapFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("raised through"), choices=CaseChannel.choices)
    reception = forms.ModelChoiceField(
        label=_("reception"), queryset=ReceptionSlot.objects.none(), required=False
    )
    station = forms.ModelChoiceField(
        label=_("service station or point"),
        queryset=ServiceStation.objects.none(),
        required=False,
    )
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    requester_name = forms.CharField(label=_("requester"), max_length=64)
    requester_contact = forms.CharField(
        label=_("requester's contact"),
        max_length=40,
        required=False,
        help_text=_("Only what is needed to give feedback."),
    )
    request = forms.CharField(label=_("request"), widget=forms.Textarea({"rows": 3}))
    handler = forms.ModelChoiceField(label=_("handled by"), queryset=None)
    feedback_due = forms.DateField(
        label=_("feedback due"),
        widget=DATE,
        required=False,
        help_text=_("Empty: the day received plus the days the policy allows."),
    )
    deadline_note = forms.CharField(label=_("why a later deadline"), max_length=300, required=False)

    def __init__(self, *args, receptions=None, stations=None, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reception"].queryset = receptions
        self.fields["station"].queryset = stations
        self.fields["handler"].queryset = handlers


class CaseUpdateForm(BootstrapFormMixin, forms.Form):
    handler = forms.ModelChoiceField(label=_("handled by"), queryset=None)
    feedback_due = forms.DateField(label=_("feedback due"), widget=DATE)
    deadline_note = forms.CharField(label=_("why a later deadline"), max_length=300, required=False)

    def __init__(self, *args, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers


class AnswerForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("outcome"),
        choices=[
            (CaseStatus.SOLVED, CaseStatus.SOLVED.label),
            (CaseStatus.EXPLAINED, CaseStatus.EXPLAINED.label),
        ],
    )
    outcome = forms.CharField(
        label=_("what was done or explained"), widget=forms.Textarea({"rows": 3})
    )
    follow_up_department = forms.CharField(
        label=_("department following it up"),
        max_length=100,
        required=False,
        help_text=_("Required when the case is not yet solvable."),
    )
    feedback_on = forms.DateField(label=_("feedback given on"), widget=DATE)


class CloseForm(BootstrapFormMixin, forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("requester's satisfaction"),
        choices=[c for c in Satisfaction.choices if c[0] != Satisfaction.UNSATISFIED],
    )


class ReopenForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("why the requester is not satisfied"), widget=forms.Textarea({"rows": 2})
    )


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All")), ("active", _("Open or followed up")), *CaseStatus.choices],
    )
    channel = forms.ChoiceField(
        label=_("raised through"), required=False, choices=[("", _("All")), *CaseChannel.choices]
    )
    overdue = forms.BooleanField(label=_("overdue only"), required=False)
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
