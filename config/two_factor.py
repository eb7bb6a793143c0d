"""Optional second factor at login: a TOTP code from an authenticator app
(django-otp), offered to organisation-department and provincial roles.

A user who set one up must enter a code after the password before any page
or session API call: `RequireSecondFactorMiddleware` sends them to
`two_factor_verify` until then. Setting it up and removing it both need a
valid code, so a stolen session cannot switch it off.
"""

from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

# Roles offered the second factor in the navigation (anyone may set it up).
OFFERED_ROLES = {"org_staff", "inspector", "sysadmin"}
# Paths a user waiting for the second factor may still open.
OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz")


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code from the authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the 6 digits the app shows.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if self.device is None or not self.device.verify_token(code):
            raise forms.ValidationError(_("This code is wrong or has expired; try the next one."))
        return code


def _confirmed(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Show the QR code of a new key; a correct code from the app turns it on."""
    device = _confirmed(request.user)
    if device is not None:
        return render(request, "registration/two_factor.html", {"device": device})
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        request.session[SESSION_KEY] = True
        messages.success(request, _("Two-step verification is on."))
        return redirect("two_factor")
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
    return render(
        request,
        "registration/two_factor.html",
        {"form": form, "qr": qr, "secret": _base32(device.bin_key)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["POST"])
def disable(request):
    device = _confirmed(request.user)
    form = CodeForm(request.POST, device=device)
    if device is None:
        return redirect("two_factor")
    if not form.is_valid():
        return render(
            request, "registration/two_factor.html", {"device": device, "form": form}, status=400
        )
    TOTPDevice.objects.filter(user=request.user).delete()
    request.session[SESSION_KEY] = False
    messages.success(request, _("Two-step verification is off."))
    return redirect("two_factor")


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """After the password: the code from the app."""
    device = _confirmed(request.user)
    if device is None or request.user.is_verified():
        return redirect(_next(request))
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(_next(request))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if request.method == "POST" else 200,
    )


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode().rstrip("=")


SESSION_KEY = "two_factor_required"


@receiver(user_logged_in, dispatch_uid="two-factor-remember")
def _remember_at_login(sender, request, user, **kwargs):
    """Whether this login needs a code is read once, at login, and kept in
    the session: no query on every request."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = user_has_device(user)


class RequireSecondFactorMiddleware:
    """Until a user with a confirmed device enters a code, every page sends
    them to the code page (session API calls get 403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(SESSION_KEY)
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
            and request.path
            not in (reverse("two_factor_verify"), reverse("logout"), reverse("login"))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Enter the code of your second factor first.")}, status=403
                )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor_verify')}?{query}")
        return self.get_response(request)
