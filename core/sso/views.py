"""The sign-in page with its "Sign in with …" button, and the two legs of the provider's authorization-code flow.

The button is a link, not a form: the site's CSP allows forms to post only to itself (form-action 'self'), and a
browser applies that to the redirect after a post too; a link's navigation to the provider is outside form-action.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.sso import discovery
from core.sso.backend import not_verified_message

log = logging.getLogger(__name__)


class SignInView(auth_views.LoginView):
    """Username and password, plus the provider's button when single sign-on is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.SSO_ENABLED:
            next_url = context.get(self.redirect_field_name) or ""
            query = f"?{urlencode({'next': next_url})}" if next_url else ""
            context["sso"] = {"provider": settings.OIDC_PROVIDER_NAME, "url": reverse("sso-start") + query}
        return context


def _unreachable_message() -> str:
    return _("%(provider)s could not be reached, so the sign-in did not happen. Try again, or use your password.") % {
        "provider": settings.OIDC_PROVIDER_NAME
    }


class _SsoOnly(View):
    def dispatch(self, request, *args, **kwargs):
        if not settings.SSO_ENABLED:
            raise Http404(_("Single sign-on is not configured."))
        return super().dispatch(request, *args, **kwargs)


class SsoStartView(_SsoOnly, OIDCAuthenticationRequestView):
    """`/accounts/sso/start/`: state, nonce and PKCE verifier into the session, then off to the provider."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the parent would read the endpoint here, before any error can be answered
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = discovery.endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except discovery.ProviderUnavailable:
            messages.error(request, _unreachable_message())
            return redirect("login")
        return super().get(request)


class SsoCallbackView(_SsoOnly, OIDCAuthenticationCallbackView):
    """`/accounts/sso/callback/`: the provider sends the browser back here with a code (or an error)."""

    failure_reason = ""

    def get(self, request):
        try:
            return super().get(request)
        except (discovery.ProviderUnavailable, requests.RequestException) as exc:
            log.warning("SSO callback: the provider could not be used: %s", exc)
            self.failure_reason = _unreachable_message()
        except SuspiciousOperation as exc:
            # An unknown state: an old tab, another browser, a replay.
            log.warning("SSO callback refused: %s", exc)
            self.failure_reason = not_verified_message()
        return self.login_failure()

    def login_failure(self):
        request = self.request
        user = getattr(self, "user", None)
        if self.failure_reason:
            message = self.failure_reason
        elif getattr(request, "sso_refusal", ""):
            message = request.sso_refusal
        elif user is not None and not user.is_active:
            message = _("This account is disabled. Ask your administrator.")
        elif request.GET.get("error"):
            message = _("%(provider)s did not sign you in (%(error)s).") % {
                "provider": settings.OIDC_PROVIDER_NAME,
                "error": request.GET.get("error_description") or request.GET["error"],
            }
        else:
            message = _("The sign-in with %(provider)s did not complete. Please try again.") % {
                "provider": settings.OIDC_PROVIDER_NAME
            }
        messages.error(request, message)
        return redirect(settings.LOGIN_REDIRECT_URL_FAILURE)
