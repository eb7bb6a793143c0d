from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, User
from config.forms import BootstrapFormMixin

from .models import InspectionKind, InspectionResult, InspectionSeverity, SpotCheckItem

DATE = forms.DateInput(attrs={"type": "date"})


class SpotCheckForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200)
    branch_sample = forms.IntegerField(label=_("branches to draw"), min_value=1, max_value=1000)
    members_per_branch = forms.IntegerField(
        label=_("members to draw per branch"), min_value=0, max_value=100
    )
    period_start = forms.DateField(label=_("check period from"), widget=DATE)
    period_end = forms.DateField(label=_("check period to"), widget=DATE)
    inspectors = forms.ModelMultipleChoiceField(
        label=_("inspectors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple({"size": 6}),
        help_text=_("Users holding a role in this organisation's subtree."),
    )
    inspector_usernames = forms.CharField(
        label=_("other inspectors (usernames)"),
        required=False,
        help_text=_("Separated by spaces or commas."),
    )
    access_expires_on = forms.DateField(
        label=_("inspectors' access ends"),
        widget=DATE,
        required=False,
        help_text=_("Empty: at the end of the check period."),
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["inspectors"].queryset = candidates

    def clean_inspector_usernames(self):
        names = [n for n in self.cleaned_data["inspector_usernames"].replace(",", " ").split() if n]
        users = list(User.objects.filter(username__in=names, is_active=True))
        missing = sorted(set(names) - {u.username for u in users})
        if missing:
            raise forms.ValidationError(
                _("No active user named %(names)s.") % {"names": ", ".join(missing)}
            )
        return users


class SeedForm(BootstrapFormMixin, forms.Form):
    seed = forms.IntegerField(
        label=_("random seed"),
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("Empty: a new random seed is generated and stored."),
    )


class ChecklistForm(BootstrapFormMixin, forms.Form):
    """One result and note per checklist item, and the inspector's note on the unit."""

    note = forms.CharField(
        label=_("inspector's note"), widget=forms.Textarea({"rows": 2}), required=False
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = []
        for entry in entries:
            result = f"result_{entry.item}"
            note = f"note_{entry.item}"
            self.fields[result] = forms.ChoiceField(
                label=SpotCheckItem(entry.item).label,
                choices=InspectionResult.choices,
                initial=entry.result,
            )
            self.fields[note] = forms.CharField(
                label=_("note"), required=False, initial=entry.note, max_length=2000
            )
            self.items.append((entry, result, note))

    def bound_items(self):
        return [(entry, self[result], self[note]) for entry, result, note in self.items]

    def results(self) -> dict:
        return {
            entry.item: (self.cleaned_data[result], self.cleaned_data[note])
            for entry, result, note in self.items
        }


class FindingForm(BootstrapFormMixin, forms.Form):
    problem = forms.CharField(label=_("problem found"), widget=forms.Textarea({"rows": 3}))
    required = forms.CharField(label=_("what must be done"), widget=forms.Textarea({"rows": 2}))
    severity = forms.ChoiceField(label=_("severity"), choices=InspectionSeverity.choices)
    deadline = forms.DateField(label=_("deadline of the rectification"), widget=DATE)


class InspectionForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=InspectionKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    period_start = forms.DateField(label=_("period from"), widget=DATE)
    period_end = forms.DateField(label=_("period to"), widget=DATE)
    organizations = forms.ModelMultipleChoiceField(
        label=_("organisations inspected"),
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple({"size": 8}),
    )
    items = forms.CharField(
        label=_("checklist items"),
        widget=forms.Textarea({"rows": 5}),
        help_text=_("One item a line."),
    )

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["organizations"].queryset = targets

    def clean_items(self):
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class InspectionFindingForm(FindingForm):
    organization = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organization.objects.none()
    )
    field_order = ["organization", "problem", "required", "severity", "deadline"]

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["organization"].queryset = targets


class InspectionResultsForm(BootstrapFormMixin, forms.Form):
    follow_up = forms.CharField(
        label=_("follow-up"), widget=forms.Textarea({"rows": 3}), required=False
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            self.fields[f"result_{entry.pk}"] = forms.ChoiceField(
                label=str(entry.organization),
                choices=InspectionResult.choices,
                initial=entry.result,
            )
            self.fields[f"note_{entry.pk}"] = forms.CharField(
                label=_("note"), required=False, initial=entry.note, max_length=2000
            )

    def rows(self):
        return [(e, self[f"result_{e.pk}"], self[f"note_{e.pk}"]) for e in self.entries]

    def results(self) -> dict:
        return {
            e.pk: (self.cleaned_data[f"result_{e.pk}"], self.cleaned_data[f"note_{e.pk}"])
            for e in self.entries
        }
