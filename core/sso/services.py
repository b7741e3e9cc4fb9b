"""The one write path for accounts that sign in through the identity provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import MANAGER, STAFF
from core.sso.claims import profile_from_claims, username_for

ROLE_GROUPS = (MANAGER, STAFF)


@transaction.atomic
def sso_user_sync(*, subject: str, claims: Mapping[str, Any], roles: set[str], create: bool = True):
    """The local user of `subject` with the name, e-mail and role groups the provider says now; None if refused.

    Called on every sign-in, so a role removed at the provider is removed here at the next sign-in. A subject with
    no role is refused: no account is created for it, and an existing one loses its role groups (other groups, the
    admin flags and the password, set by an administrator, are left alone).
    """
    User = get_user_model()
    username = username_for(subject)
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        if not roles or not create:
            return None
        user = User(username=username)
        user.set_unusable_password()  # this account signs in through the provider only
    for field, value in profile_from_claims(claims).items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    wanted = set(Group.objects.filter(name__in=roles))
    current = set(user.groups.filter(name__in=ROLE_GROUPS))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))
    return user if roles else None
