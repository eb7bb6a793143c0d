"""Forms of care; the services validate the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin
from members.models import Member

from .models import CareKind, Household, VolunteerKind

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea({"rows": 2})


class HouseholdForm(BootstrapFormMixin, forms.Form):
    head_name = forms.CharField(label=_("head of the household"), max_length=64)
    locality = forms.CharField(label=_("village or community"), max_length=100)
    difficulty = forms.CharField(label=_("difficulty"), widget=TEXT)
    contact = forms.CharField(label=_("contact"), max_length=40, required=False)
    consent_on = forms.DateField(
        label=_("consent given on"),
        widget=DATE,
        help_text=_("The household agreed to be recorded for help (personal data)."),
    )


class HouseholdCloseForm(BootstrapFormMixin, forms.Form):
    closed_on = forms.DateField(label=_("no longer in difficulty since"), widget=DATE)
    note = forms.CharField(
        label=_("closing note for its open pairings"), required=False, widget=TEXT
    )


class PairingForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none())
    household = forms.ModelChoiceField(
        label=_("household in difficulty"), queryset=Household.objects.none()
    )
    started_on = forms.DateField(label=_("paired since"), widget=DATE)
    goal = forms.CharField(label=_("what the help aims at"), max_length=300, required=False)

    def __init__(self, *args, members=None, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["household"].queryset = households


class VisitForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("date"), widget=DATE)
    help_given = forms.CharField(label=_("help given"), widget=TEXT)
    household_progress = forms.CharField(
        label=_("the household's progress"),
        required=False,
        widget=TEXT,
        help_text=_("Confidence, skills, steps toward standing on its own feet."),
    )


class PairingEndForm(BootstrapFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("ended on"), widget=DATE)
    end_note = forms.CharField(label=_("closing note"), widget=TEXT)


class VolunteeringFields(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=VolunteerKind.choices)
    on = forms.DateField(label=_("date"), widget=DATE)
    hours = forms.DecimalField(
        label=_("hours"),
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "24"}),
    )
    organiser = forms.CharField(label=_("organised by"), max_length=200, required=False)
    description = forms.CharField(label=_("description"), max_length=300)
    amount = forms.DecimalField(
        label=_("amount donated (yuan)"),
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Only for a donation."),
    )


class VolunteeringForm(VolunteeringFields):
    """The branch records one activity for several members at once."""

    members = forms.ModelMultipleChoiceField(
        label=_("members"),
        queryset=Member.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("All of them are recorded, or none."),
    )

    field_order = ["members"]

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members


class VolunteeringFilterForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    kind = forms.ChoiceField(choices=[("", _("all kinds")), *VolunteerKind.choices], required=False)


class CareForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=CareKind.choices)
    on = forms.DateField(label=_("date"), widget=DATE)
    support = forms.CharField(label=_("support given"), widget=TEXT)
    amount = forms.DecimalField(
        label=_("amount (yuan)"), max_digits=10, decimal_places=2, required=False
    )
    given_by = forms.CharField(label=_("given by"), max_length=200, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
