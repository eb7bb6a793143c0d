from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.forms import DateInput
from branches.models import Organization, Sector
from config.forms import BootstrapFormMixin

from .models import (
    ConversionOutcome,
    Education,
    FlagKind,
    Gender,
    HandlingStage,
    LeadershipLevel,
    LeaveReason,
    MemberStatus,
)


class MemberForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=64)
    gender = forms.ChoiceField(label=_("gender"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("date of birth"), widget=DateInput)
    ethnicity = forms.CharField(label=_("ethnicity"), max_length=16, initial="汉族")
    education = forms.ChoiceField(label=_("education"), choices=Education.choices)
    id_number = forms.CharField(label=_("ID-card number"), max_length=20)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    joined_on = forms.DateField(label=_("admitted on"), widget=DateInput)
    status = forms.ChoiceField(label=_("status"), choices=MemberStatus.choices)
    full_since = forms.DateField(label=_("full member since"), widget=DateInput, required=False)
    employer_sector = forms.ChoiceField(
        label=_("employer category"),
        choices=Sector.choices,
        help_text=_(
            "Government organs, state-owned enterprises and public institutions: "
            "12 days of education a year; others: 6."
        ),
    )
    leadership_level = forms.ChoiceField(
        label=_("leadership level"), choices=LeadershipLevel.choices, required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("Leave empty to keep the recorded number.")


class LeaveForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("left on"), widget=DateInput, initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("reason for leaving"), choices=LeaveReason.choices)


class FlagForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("flag"), choices=FlagKind.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class ConversionForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=ConversionOutcome.choices)
    decided_on = forms.DateField(
        label=_("decided on"), widget=DateInput, initial=timezone.localdate
    )
    extended_until = forms.DateField(
        label=_("probation extended until"), widget=DateInput, required=False
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class HandlingForm(BootstrapFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("measure"), choices=HandlingStage.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label=_("date"), widget=DateInput, initial=timezone.localdate)
    deadline = forms.DateField(label=_("correct by"), widget=DateInput, required=False)


class TransferForm(BootstrapFormMixin, forms.Form):
    to_code = forms.CharField(
        label=_("code of the receiving branch"),
        max_length=32,
        help_text=_("The receiving branch may be in another province; ask it for its code."),
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def clean_to_code(self):
        code = self.cleaned_data["to_code"].strip()
        # A transfer may go anywhere: the receiving branch is found by its exact
        # code, and only its name is shown back.
        branch = Organization.objects.filter(code=code, dissolved__isnull=True).first()
        if branch is None:
            raise forms.ValidationError(
                _("No live organisation has the code “%(code)s”.") % {"code": code}
            )
        self.cleaned_data["to_branch"] = branch
        return code


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("reason for rejection"), max_length=300)


class DuesForm(BootstrapFormMixin, forms.Form):
    period = forms.CharField(
        label=_("period"), max_length=7, help_text=_("Month as YYYY-MM (first month of a quarter).")
    )
    months = forms.TypedChoiceField(
        label=_("months"),
        choices=[(1, _("one month")), (3, _("one quarter"))],
        coerce=int,
        initial=1,
    )
    amount = forms.DecimalField(
        label=_("amount (yuan)"), min_value=0.01, max_digits=10, decimal_places=2
    )
    paid_on = forms.DateField(label=_("paid on"), widget=DateInput, initial=timezone.localdate)

    def clean_period(self):
        raw = self.cleaned_data["period"].strip()
        try:
            year, month = (int(part) for part in raw.split("-"))
            return timezone.datetime(year, month, 1).date()
        except ValueError:
            raise forms.ValidationError(_("Write the period as YYYY-MM, e.g. 2026-03.")) from None
