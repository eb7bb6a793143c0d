"""Members who keep missing collective education (document 1, 四)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import scoping
from branches.forms import DateInput
from branches.models import Organization
from branches.policies import policy_in_force
from config.forms import BootstrapFormMixin
from members.models import HandlingStage, Member

from . import selectors, services


class CriticismForm(BootstrapFormMixin, forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=gettext_lazy("date"), widget=DateInput, initial=timezone.localdate)
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)


class AbsenceHandlingForm(CriticismForm):
    stage = forms.ChoiceField(
        label=gettext_lazy("measure"),
        choices=[c for c in HandlingStage.choices if c[0] != HandlingStage.CRITICISM],
    )
    deadline = forms.DateField(label=gettext_lazy("correct by"), widget=DateInput, required=False)


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or "")
    except ValueError:
        return timezone.localdate().year


@login_required
def absences(request, branch_pk):
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=branch_pk)
    year = _year(request)
    can_change = scoping.can(request.user, scoping.CHANGE, branch)
    members = Member.objects.visible_to(request.user).filter(branch=branch)
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, branch)
        handle = "stage" in request.POST
        form = (AbsenceHandlingForm if handle else CriticismForm)(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            member = get_object_or_404(members, pk=data.pop("member"))
            try:
                if handle:
                    services.absence_handling_record(
                        actor=request.user, member=member, year=year, **data
                    )
                else:
                    services.absence_criticism_record(
                        actor=request.user, member=member, year=year, **data
                    )
            except ValidationError as error:
                messages.error(request, f"{member.name}: {' '.join(error.messages)}")
            else:
                messages.success(request, _("Recorded for %(name)s.") % {"name": member.name})
        else:
            for field, errors in form.errors.items():
                label = form.fields[field].label or ""
                messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect(f"{request.path}?year={year}")
    threshold = policy_in_force(branch, "unexcused_absences_repeated")
    rows = selectors.repeated_absences(members, year, threshold)
    return render(
        request,
        "education/absences.html",
        {
            "branch": branch,
            "year": year,
            "threshold": threshold,
            "rows": rows,
            "can_change": can_change,
            "stages": [c for c in HandlingStage.choices if c[0] != HandlingStage.CRITICISM],
            "today": timezone.localdate(),
        },
    )
