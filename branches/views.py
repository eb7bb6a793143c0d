from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import add_service_errors

from . import scoping, selectors, services
from .forms import (
    EndRoleForm,
    GuidanceForm,
    MoveForm,
    OrganizationForm,
    PolicyOverrideForm,
    RoleAssignmentForm,
)
from .models import Organization, PolicyOverride, RoleAssignment


def _visible_org(request, pk) -> Organization:
    return get_object_or_404(
        Organization.objects.visible_to(request.user).select_related("parent"), pk=pk
    )


@login_required
def tree(request):
    return render(request, "branches/tree.html", {"roots": selectors.tree_roots(request.user)})


@login_required
def tree_children(request, pk):
    org = _visible_org(request, pk)
    return render(
        request,
        "branches/_tree_nodes.html",
        {"nodes": selectors.children_of(request.user, org)},
    )


@login_required
def organization_detail(request, pk):
    org = _visible_org(request, pk)
    user = request.user
    ancestors = list(selectors.visible_ancestors(user, org))
    context = {
        "org": org,
        "ancestors": ancestors,
        "parent_visible": bool(ancestors) and ancestors[-1].pk == org.parent_id,
        "children": selectors.children_of(user, org),
        "guidance": selectors.guidance_of(user, org),
        "policies": selectors.policy_rows(org),
        "can_manage_tree": scoping.can(user, scoping.MANAGE_TREE, org),
        "can_manage_roles": scoping.can(user, scoping.MANAGE_ROLES, org),
        "can_manage_policies": scoping.can(user, scoping.MANAGE_POLICIES, org),
        # A role reaching the organisation's subtree (not a member's own branch,
        # nor a single granted organisation): its figures and accountability pages.
        "reaches_subtree": scoping.scope_for(user, scoping.VIEW).covers_path(org.path),
        # "Who can see this record": for those who manage roles here.
        "viewers": None,
        "grantees": None,
    }
    if context["can_manage_roles"]:
        context["viewers"], context["hidden_viewers"] = selectors.who_can_see(user, org)
        context["grantees"] = selectors.granted_viewers(org)
    return render(request, "branches/organization_detail.html", context)


@login_required
def organization_create(request, pk):
    parent = _visible_org(request, pk)
    scoping.require(request.user, scoping.MANAGE_TREE, parent)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(
                actor=request.user, parent=parent, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(org)s was created.") % {"org": org})
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/organization_form.html", {"form": form, "parent": parent})


@login_required
def organization_move(request, pk):
    org = _visible_org(request, pk)
    scoping.require(request.user, scoping.MANAGE_TREE, org)
    form = MoveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_move(
                actor=request.user, organization=org, new_parent=form.cleaned_data["parent"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except (Http404, PermissionDenied):
            form.add_error("parent_code", _("You may not move organisations there."))
        else:
            messages.success(request, _("%(org)s was moved.") % {"org": org})
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/organization_move.html", {"form": form, "org": org})


@login_required
def role_list(request, pk):
    org = _visible_org(request, pk)
    scoping.require(request.user, scoping.MANAGE_ROLES, org)
    form = RoleAssignmentForm(
        request.POST or None, roles=services.grantable_roles(request.user, org)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_assign(
                actor=request.user,
                user=data["user"],
                role=data["role"],
                organization=org,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("role", str(error))
        else:
            messages.success(request, _("The role was assigned."))
            return redirect("branches:roles", pk=org.pk)
    show_past = request.GET.get("past") == "1"
    context = {
        "org": org,
        "form": form,
        "assignments": selectors.role_assignments_for(request.user, org, include_past=show_past),
        "show_past": show_past,
        "end_form": EndRoleForm(),
    }
    return render(request, "branches/role_list.html", context)


@login_required
@require_POST
def role_end(request, pk):
    assignment = get_object_or_404(
        RoleAssignment.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    form = EndRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the last day of the role."))
    else:
        try:
            services.role_end(actor=request.user, assignment=assignment, on=form.cleaned_data["on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The role ends on %(day)s.") % {"day": form.cleaned_data["on"]}
            )
    return redirect("branches:roles", pk=assignment.organization_id)


@login_required
def policy_list(request, pk):
    org = _visible_org(request, pk)
    scoping.require(request.user, scoping.MANAGE_POLICIES, org)
    form = PolicyOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_override_set(actor=request.user, organization=org, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The local rule was saved."))
            return redirect("branches:policies", pk=org.pk)
    overrides = (
        PolicyOverride.objects.visible_to(request.user)
        .filter(organization=org)
        .select_related("created_by")
        .order_by("key", "-valid_from")
    )
    context = {
        "org": org,
        "form": form,
        "overrides": overrides,
        "policies": selectors.policy_rows(org),
    }
    return render(request, "branches/policy_list.html", context)


@login_required
def guidance_create(request, pk):
    org = _visible_org(request, pk)
    scoping.require(request.user, scoping.MANAGE_TREE, org)
    form = GuidanceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.guidance_edge_create(
                actor=request.user,
                guide=data["guide"],
                guided=org,
                basis=data["basis"],
                valid_from=data["valid_from"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The guidance relation was recorded."))
            return redirect("branches:detail", pk=org.pk)
    return render(request, "branches/guidance_form.html", {"form": form, "org": org})
