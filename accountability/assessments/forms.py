from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability import figures
from config.forms import BootstrapFormMixin

from . import scoring
from .models import AssessmentIndicatorKind, AssessmentOutcome

DATE = forms.DateInput(attrs={"type": "date"})
POINTS = {"max_digits": 6, "decimal_places": 2}


class SchemeForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200)
    grade_good = forms.DecimalField(label=_("“good” from"), initial=90, **POINTS)
    grade_fairly_good = forms.DecimalField(label=_("“fairly good” from"), initial=80, **POINTS)
    grade_average = forms.DecimalField(label=_("“average” from"), initial=60, **POINTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year - 1


class SchemeEditForm(SchemeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["year"]


class IndicatorForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("indicator"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=AssessmentIndicatorKind.choices)
    weight = forms.DecimalField(label=_("weight (points)"), min_value=0, **POINTS)
    figure_key = forms.ChoiceField(
        label=_("figure"), required=False, help_text=_("Computed indicators only.")
    )
    target = forms.DecimalField(
        label=_("target"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=scoring.RULE,
    )
    guidance = forms.CharField(
        label=_("how it is scored"), required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["figure_key"].choices = [("", "—"), *figures.choices()]


class ScoreForm(BootstrapFormMixin, forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.DecimalField(label=_("score"), **POINTS)
    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea({"rows": 2})
    )
    evidence = forms.FileField(
        label=_("evidence"), required=False, help_text=_("PDF, JPEG or PNG.")
    )


class OutcomeForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=AssessmentOutcome.choices)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea({"rows": 2}))
    required = forms.CharField(
        label=_("what must be done"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Rectification only."),
    )
    deadline = forms.DateField(
        label=_("deadline"), required=False, widget=DATE, help_text=_("Rectification only.")
    )


class ReportForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("report given on"), widget=DATE)
    text = forms.CharField(
        label=_("report on duties (述职述廉)"), widget=forms.Textarea({"rows": 5}), max_length=20000
    )
