from django import forms
from django.utils.translation import gettext_lazy as _


class RequestForm(forms.Form):
    """The year to generate; the service checks the range and names the field."""

    year = forms.IntegerField(label=_("year"))
