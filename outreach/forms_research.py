from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitForm(BootstrapFormMixin, forms.Form):
    started_on = forms.DateField(label=_("from"), widget=DATE)
    days = forms.DecimalField(
        label=_("days"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("31"),
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    contact_point = forms.ModelChoiceField(label=_("contact point"), queryset=None, required=False)
    place = forms.CharField(
        label=_("unit or place visited"),
        max_length=200,
        required=False,
        help_text=_("Leave empty at a contact point: its unit is used."),
    )
    hardship_area = forms.BooleanField(
        label=_("a hard-pressed, poor or troubled place"), required=False
    )
    findings = forms.CharField(
        label=_("findings and opinions heard"), widget=forms.Textarea(attrs={"rows": 3})
    )
    problems_solved = forms.CharField(
        label=_("problems solved"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, contact_points=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["contact_point"]
        field.queryset = contact_points
        field.label_from_instance = lambda p: p.organization.name


class ContactPointForm(BootstrapFormMixin, forms.Form):
    organization_code = forms.CharField(
        label=_("unit code"),
        max_length=64,
        help_text=_("The code of a unit of the leader's province, e.g. ZJ-HZ-XH-T2-01."),
    )
    since = forms.DateField(label=_("since"), widget=DATE)
    until = forms.DateField(label=_("until"), widget=DATE, required=False)
    weak_unit = forms.BooleanField(label=_("weak or lax unit"), required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class EndContactPointForm(BootstrapFormMixin, forms.Form):
    until = forms.DateField(label=_("until"), widget=DATE)
