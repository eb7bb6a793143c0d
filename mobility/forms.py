from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from config.forms import BootstrapFormMixin

from .models import Episode, InflowBasis

DATE = forms.DateInput(attrs={"type": "date"})


class EpisodeForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Episode
        fields = [
            "member",
            "reason",
            "destination_region",
            "destination_employer",
            "destination_address",
            "contact",
            "reported_on",
            "started_on",
            "expected_return",
        ]
        widgets = {"reported_on": DATE, "started_on": DATE, "expected_return": DATE}

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label = _("member")

    def validate_unique(self):  # the service checks, with a clear message
        pass

    def _post_clean(self):  # no model validation here: the service validates
        pass


class CheckInLookupForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(label=_("certificate number"), max_length=32)
    code = forms.CharField(
        label=_("verification code"),
        max_length=20,
        help_text=_("Printed under the QR code of the certificate."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class CheckInForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(widget=forms.HiddenInput, max_length=32)
    code = forms.CharField(widget=forms.HiddenInput, max_length=20)
    inflow_organization = forms.ModelChoiceField(
        label=_("inflow organisation"), queryset=Organization.objects.none()
    )
    basis = forms.ChoiceField(label=_("assigned through"), choices=InflowBasis.choices)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inflow_organization"].queryset = organizations


class ReviewForm(BootstrapFormMixin, forms.Form):
    reviewed_on = forms.DateField(label=_("reviewed on"), widget=DATE)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea({"rows": 2}))


class ReturnForm(BootstrapFormMixin, forms.Form):
    returned_on = forms.DateField(label=_("returned on"), widget=DATE)
    review = forms.CharField(
        label=_("review of the time away"), required=False, widget=forms.Textarea({"rows": 2})
    )


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("reason for cancelling"), max_length=200)


class DuesPeriodForm(BootstrapFormMixin, forms.Form):
    quarterly = forms.BooleanField(label=_("dues may be paid quarterly"), required=False)
    quarterly_dues_reason = forms.CharField(
        label=_("why monthly dues are difficult"), max_length=200, required=False
    )


class OrgLifeForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("date"), widget=DATE)
    description = forms.CharField(label=_("description"), max_length=200)


class DuesEntryForm(BootstrapFormMixin, forms.Form):
    period_start = forms.DateField(
        label=_("period"), widget=DATE, help_text=_("First day of the month or quarter.")
    )
    months = forms.TypedChoiceField(
        label=_("months"), coerce=int, choices=[(1, _("one month")), (3, _("one quarter"))]
    )
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("paid on"), widget=DATE)
