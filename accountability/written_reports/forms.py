from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin

DATE = forms.DateInput(attrs={"type": "date"})


class StartForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2006, max_value=2200)


class SectionsForm(BootstrapFormMixin, forms.Form):
    achievements = forms.CharField(
        label=_("Achievements"), widget=forms.Textarea({"rows": 8}), required=False
    )
    problems = forms.CharField(
        label=_("Problems"), widget=forms.Textarea({"rows": 6}), required=False
    )
    plans = forms.CharField(
        label=_("Plans for next year"), widget=forms.Textarea({"rows": 6}), required=False
    )
    plenary_on = forms.DateField(
        label=_("Reported to the plenary session on"),
        widget=DATE,
        required=False,
        help_text=_("The standing committee reports to the plenary session (全委会)."),
    )
    plenary_note = forms.CharField(
        label=_("Report to the plenary session"),
        widget=forms.Textarea({"rows": 3}),
        required=False,
        max_length=4000,
    )
    plenary_file = forms.FileField(
        label=_("Plenary attachment"),
        required=False,
        help_text=_("Optional: PDF, JPEG, PNG or WebP; replaces the previous file."),
    )


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class YearForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2006, max_value=2200)
