"""What the provider's claims mean here: the local username of a subject, its roles, its name and e-mail."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.text import printable

USERNAME_PREFIX = "sso-"
# Django's username validator accepts these; anything else (e.g. "auth0|123") is hashed so the admin can edit the user.
_PLAIN_SUBJECT = re.compile(r"^[\w.@+-]{1,140}$")


def username_for(subject: str) -> str:
    """The local username of the provider's subject `sub`.

    Made from `sub` (stable and unique at the provider) and never from the e-mail or preferred_username, which
    people can change and which could name a local account: a provider user called "admin" must not become ours.
    """
    if _PLAIN_SUBJECT.match(subject):
        return USERNAME_PREFIX + subject
    return USERNAME_PREFIX + hashlib.sha256(subject.encode()).hexdigest()[:40]


def claim_values(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The values of `claim` as strings; a dotted name reaches into objects (Keycloak's `realm_access.roles`).

    A list gives its items; a string gives its comma- or space-separated words; a missing claim gives none.
    """
    value: Any = claims
    for part in claim.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return []
        value = value[part]
    if isinstance(value, str):
        return [word for word in re.split(r"[,\s]+", value) if word]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def roles_from_claims(claims: Mapping[str, Any], *, claim: str, role_map: Mapping[str, str]) -> set[str]:
    """The role groups (`manager`, `staff`) that the values of `claim` map to; empty when none maps."""
    return {role_map[value] for value in claim_values(claims, claim) if value in role_map}


def profile_from_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """e-mail, first and last name from the standard claims, cut to the user model's lengths."""

    def text(name: str, length: int) -> str:
        value = claims.get(name)
        return printable(value).strip()[:length] if isinstance(value, str) else ""

    first, last = text("given_name", 150), text("family_name", 150)
    if not (first or last):
        first = text("name", 150)
    email = text("email", 254)
    try:
        validate_email(email)
    except ValidationError:
        email = ""  # a malformed address is not worth refusing the sign-in for; the account just has none
    return {"email": email, "first_name": first, "last_name": last}
