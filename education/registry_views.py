"""Registries of an organisation: teachers, education bases, textbooks.

Its own entries are edited here; those of its ancestors are shown read-only,
since they are offered to its activities too (selectors.registry_choices)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config.forms import add_service_errors

from . import selectors, services
from .forms import EducationBaseForm, TeacherForm, TextbookForm
from .models import EducationBase, Teacher, Textbook


@dataclass(frozen=True)
class Registry:
    model: type[models.Model]
    form: type
    save: object
    entry_arg: str  # the service's keyword for the entry being updated
    title: str


REGISTRIES = {
    "teacher": Registry(
        Teacher, TeacherForm, services.teacher_save, "teacher", gettext_lazy("teacher")
    ),
    "base": Registry(
        EducationBase,
        EducationBaseForm,
        services.education_base_save,
        "base",
        gettext_lazy("education base"),
    ),
    "textbook": Registry(
        Textbook, TextbookForm, services.textbook_save, "textbook", gettext_lazy("textbook")
    ),
}


@login_required
def registries(request, org_pk):
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    return render(
        request,
        "education/registries.html",
        {
            "org": org,
            "entries": selectors.registry_entries(org),
            "can_change": scoping.can(request.user, scoping.CHANGE, org),
        },
    )


@login_required
def registry_form(request, kind, org_pk=None, pk=None):
    registry = REGISTRIES[kind]
    entry = None
    if pk is not None:
        entry = get_object_or_404(
            registry.model.objects.visible_to(request.user).select_related("organization"), pk=pk
        )
        org = entry.organization
    else:
        org = get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)
    scoping.require(request.user, scoping.CHANGE, org)
    initial = {name: getattr(entry, name) for name in registry.form.base_fields} if entry else {}
    form = registry.form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        target = {registry.entry_arg: entry} if entry else {"organization": org}
        try:
            saved = registry.save(actor=request.user, **target, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(entry)s was saved.") % {"entry": saved})
            return redirect("education:registries", org_pk=org.pk)
    return render(
        request,
        "education/registry_form.html",
        {"form": form, "org": org, "entry": entry, "title": registry.title},
    )


def _entry_for_post(request, kind, pk):
    registry = REGISTRIES[kind]
    return get_object_or_404(
        registry.model.objects.visible_to(request.user).select_related("organization"), pk=pk
    )


@login_required
@require_POST
def registry_active(request, kind, pk, active: bool):
    entry = _entry_for_post(request, kind, pk)
    services.registry_entry_deactivate(actor=request.user, entry=entry, active=active)
    if active:
        messages.success(request, _("%(entry)s is back on the pick lists.") % {"entry": entry})
    else:
        messages.success(request, _("%(entry)s was taken off the pick lists.") % {"entry": entry})
    return redirect("education:registries", org_pk=entry.organization_id)


@login_required
@require_POST
def registry_delete(request, kind, pk):
    entry = _entry_for_post(request, kind, pk)
    try:
        services.registry_entry_delete(actor=request.user, entry=entry)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(entry)s was deleted.") % {"entry": entry})
    return redirect("education:registries", org_pk=entry.organization_id)
