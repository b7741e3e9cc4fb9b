"""What the two personal-data commands share: naming the subject and the user acting."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from satisfaction.privacy.selectors import Subject, subject_of


def add_subject_arguments(parser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--contact", type=int, metavar="ID", help="The contact (a person) whose data it is.")
    group.add_argument("--customer", type=int, metavar="ID", help="The customer, with all its contacts.")
    parser.add_argument(
        "--by", metavar="USERNAME", default="", help="The user on whose behalf this runs (kept in the audit log)."
    )


def subject_from(options) -> Subject:
    """The subject the options name, checked to exist (a CommandError naming it otherwise)."""
    subject = subject_of(contact=options.get("contact"), customer=options.get("customer"))
    try:
        subject.get()
    except LookupError as exc:
        raise CommandError(str(exc)) from None
    return subject


def acting_user(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user named {username!r} (--by).")
    return user
