"""Forms of commitments, the public board and service posts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin

from .models import Rating

DATE = forms.DateInput(attrs={"type": "date"})


class CommitmentForm(BootstrapFormMixin, forms.Form):
    content = forms.CharField(
        label=_("What the member commits to do"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    target_date = forms.DateField(label=_("To be done by"), widget=DATE)


class BranchCommitmentForm(CommitmentForm):
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)

    field_order = ["member", "content", "target_date"]

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CompleteForm(BootstrapFormMixin, forms.Form):
    completed_on = forms.DateField(label=_("Fulfilled on"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("How it was fulfilled, or why not"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class ProgressForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    evidence = forms.FileField(
        label=_("Evidence (photo or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class EvaluationForm(BootstrapFormMixin, forms.Form):
    commitment = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.ChoiceField(
        label=_("Your evaluation"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class PostForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Post"), max_length=100)
    duties = forms.CharField(label=_("Duties"), widget=forms.Textarea(attrs={"rows": 2}))
    places = forms.IntegerField(label=_("Members needed"), min_value=1, max_value=99, initial=1)


class AssignForm(BootstrapFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)
    since = forms.DateField(label=_("Since"), widget=DATE, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class PostLogForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
