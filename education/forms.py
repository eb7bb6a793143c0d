from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin

from .models import ActivityKind


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
    content = forms.CharField(
        label=_("content"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
