from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin

from .models import GuidanceBasis, Organization, OrgKind, OrgLevel, Role, Sector, User
from .policies import POLICIES


class DateInput(forms.DateInput):
    input_type = "date"


class OrganizationForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    code = forms.CharField(label=_("organisation code"), max_length=32)
    kind = forms.ChoiceField(label=_("kind"), choices=OrgKind.choices)
    level = forms.ChoiceField(label=_("administrative level"), choices=OrgLevel.choices)
    sector = forms.ChoiceField(label=_("sector"), choices=Sector.choices)
    established = forms.DateField(label=_("established"), required=False, widget=DateInput)
    is_mobile_org = forms.BooleanField(label=_("mobile-member organisation"), required=False)


class MoveForm(BootstrapFormMixin, forms.Form):
    parent_code = forms.CharField(
        label=_("code of the new leading organisation"),
        max_length=32,
        help_text=_("The organisation and its whole subtree move under this one."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_parent_code(self):
        code = self.cleaned_data["parent_code"].strip()
        parent = Organization.objects.visible_to(self.user, "manage_tree").filter(code=code).first()
        if parent is None:
            raise forms.ValidationError(
                _("No organisation with code “%(code)s” that you can see.") % {"code": code}
            )
        self.cleaned_data["parent"] = parent
        return code


class RoleAssignmentForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in roles]

    username = forms.CharField(label=_("username"), max_length=150)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    valid_from = forms.DateField(
        label=_("valid from"), widget=DateInput, initial=timezone.localdate
    )
    valid_to = forms.DateField(label=_("valid to"), widget=DateInput, required=False)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("No active user “%(username)s”.") % {"username": username}
            )
        self.cleaned_data["user"] = user
        return username

    def clean(self):
        data = super().clean()
        if (
            data.get("valid_to")
            and data.get("valid_from")
            and data["valid_to"] < data["valid_from"]
        ):
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return data


class EndRoleForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("last day"), widget=DateInput, initial=timezone.localdate)


class PolicyOverrideForm(BootstrapFormMixin, forms.Form):
    key = forms.ChoiceField(label=_("policy"))
    value = forms.CharField(label=_("value"), max_length=32)
    valid_from = forms.DateField(
        label=_("valid from"), widget=DateInput, initial=timezone.localdate
    )
    valid_to = forms.DateField(
        label=_("valid to"),
        widget=DateInput,
        required=False,
        help_text=_("Last day in force; empty: open."),
    )
    note = forms.CharField(label=_("basis or document"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(key, p.label) for key, p in POLICIES.items()]

    def clean(self):
        data = super().clean()
        if (
            data.get("valid_to")
            and data.get("valid_from")
            and data["valid_to"] < data["valid_from"]
        ):
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return data


class GuidanceForm(BootstrapFormMixin, forms.Form):
    guide_code = forms.CharField(label=_("code of the guiding organisation"), max_length=32)
    basis = forms.ChoiceField(label=_("basis"), choices=GuidanceBasis.choices)
    valid_from = forms.DateField(
        label=_("valid from"), widget=DateInput, initial=timezone.localdate
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_guide_code(self):
        code = self.cleaned_data["guide_code"].strip()
        guide = Organization.objects.visible_to(self.user).filter(code=code).first()
        if guide is None:
            raise forms.ValidationError(
                _("No organisation with code “%(code)s” that you can see.") % {"code": code}
            )
        self.cleaned_data["guide"] = guide
        return code
