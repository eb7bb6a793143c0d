from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from config.forms import BootstrapFormMixin

from .models import RectificationStatus, SourceKind, WeakUnitStatus

DATE = forms.DateInput(attrs={"type": "date"})


class OrderForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("organisation to rectify"), queryset=Organization.objects.none()
    )
    source_kind = forms.ChoiceField(label=_("arising from"), choices=SourceKind.choices)
    source_ref = forms.CharField(label=_("reference"), max_length=200, required=False)
    problem = forms.CharField(label=_("problem found"), widget=forms.Textarea({"rows": 3}))
    required = forms.CharField(label=_("what must be done"), widget=forms.Textarea({"rows": 3}))
    issued_on = forms.DateField(label=_("issued on"), widget=DATE)
    deadline = forms.DateField(label=_("deadline"), widget=DATE)

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["organization"].queryset = targets


class ProgressForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("date"), widget=DATE)
    progress = forms.CharField(label=_("progress"), widget=forms.Textarea({"rows": 3}))
    evidence = forms.FileField(
        label=_("evidence"),
        required=False,
        help_text=_("PDF, JPEG, PNG or WebP."),
    )


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("all")), ("open", _("not yet accepted")), *RectificationStatus.choices],
    )
    source_kind = forms.ChoiceField(required=False, choices=[("", _("all")), *SourceKind.choices])
    overdue = forms.BooleanField(required=False)


class WeakUnitForm(BootstrapFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organization.objects.none()
    )
    year = forms.IntegerField(label=_("year"))
    identified_on = forms.DateField(label=_("identified on"), widget=DATE)
    problems = forms.CharField(
        label=_("how it is weak and lax"), widget=forms.Textarea({"rows": 3})
    )
    measures = forms.CharField(
        label=_("consolidation measures"), widget=forms.Textarea({"rows": 3})
    )
    deadline = forms.DateField(label=_("consolidated by"), widget=DATE)

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["organization"].queryset = targets


class ConsolidateForm(BootstrapFormMixin, forms.Form):
    consolidated_on = forms.DateField(label=_("consolidated on"), widget=DATE)
    result = forms.CharField(
        label=_("result of the consolidation"), widget=forms.Textarea({"rows": 3})
    )


class WeakUnitFilterForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(required=False, choices=[("", _("all")), *WeakUnitStatus.choices])
