"""The authentication backend for the identity provider (mozilla-django-oidc's, adapted to this site).

Differences from the library's defaults, each for a reason:
- the endpoints are looked up when a sign-in needs them (core.sso.discovery), not when the backend is built, which
  Django does for every password sign-in too;
- it answers only the provider's callback (which passes a nonce), never a username/password form;
- users are matched on the subject `sub`, not on the e-mail, so a provider account cannot take over a local one;
- the ID token's issuer and audience are checked, and the user-info `sub` must be the ID token's;
- the role groups follow the configured claim on every sign-in; a subject with no role is refused.

django-axes's backend stays first in AUTHENTICATION_BACKENDS: it sees the callback's request and refuses it while
the address is locked out; a refused SSO sign-in counts as a failed sign-in of that address, like a wrong password.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.sso import discovery
from core.sso.claims import roles_from_claims, username_for
from core.sso.services import sso_user_sync

log = logging.getLogger(__name__)


def not_verified_message() -> str:
    return _("The sign-in with %(provider)s could not be verified. Please start it again.") % {
        "provider": settings.OIDC_PROVIDER_NAME
    }


def _endpoint(name: str) -> property:
    return property(lambda self: discovery.endpoint(name))


class SsoBackend(OIDCAuthenticationBackend):
    """Signs in the people the identity provider vouches for, with the roles its claim gives them."""

    OIDC_OP_TOKEN_ENDPOINT = _endpoint("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _endpoint("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _endpoint("OIDC_OP_JWKS_ENDPOINT")

    def __init__(self, *args, **kwargs):
        # No network here (the parent reads the endpoints at once): Django builds every backend for each sign-in.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None) or None
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.SSO_ENABLED or request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            # Answered as a refusal, not an error, so Django reports a failed sign-in and the lockout counts it.
            log.warning("SSO sign-in refused: %s", exc)
            request.sso_refusal = not_verified_message()
            return None

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=username_for(str(claims["sub"])))

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is not meant for this client (aud).")
        expected = discovery.issuer()
        if expected and str(payload.get("iss", "")).rstrip("/") != expected:
            raise SuspiciousOperation("The ID token comes from another issuer (iss).")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # Core §5.3.2: the user-info answer must be about the subject of the ID token.
        if str(userinfo.get("sub", "")) != str(payload.get("sub", "")):
            raise SuspiciousOperation("The user-info subject differs from the ID token's.")
        claims = {**payload, **userinfo}  # a provider may put the roles in either
        if not self.verify_claims(claims):
            raise SuspiciousOperation("The provider sent no subject (sub).")
        roles = roles_from_claims(claims, claim=settings.OIDC_ROLES_CLAIM, role_map=settings.OIDC_ROLE_MAP)
        user = sso_user_sync(
            subject=str(claims["sub"]), claims=claims, roles=roles, create=getattr(settings, "OIDC_CREATE_USER", True)
        )
        if user is None:
            log.info("SSO sign-in of %s refused: no role in claim %r", claims["sub"], settings.OIDC_ROLES_CLAIM)
            self.request.sso_refusal = _(
                "Your %(provider)s account has no role in Satisfaction, so it cannot sign in here. "
                "Ask your administrator to give it a manager or staff role at %(provider)s."
            ) % {"provider": settings.OIDC_PROVIDER_NAME}
        return user
