"""Probe finding 11: users, groups (roles) and API tokens leave a trace in the audit log, naming who did it."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from satisfaction.tests.factories import PASSWORD, UserFactory

User = get_user_model()


def _entries(model, pk):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk=str(pk))


def _change_form(user, **overrides) -> dict:
    """The admin's user change form as a browser posts it, with `overrides`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [str(g.pk) for g in user.groups.all()],
    }
    return {**data, **overrides}


@pytest.mark.django_db
def test_a_role_change_in_the_admin_names_who_made_it(client, admin_user):
    member = UserFactory(username="promoted", role="staff")
    manager = Group.objects.get(name="manager")
    client.force_login(admin_user)
    before = LogEntry.objects.order_by("pk").last().pk

    response = client.post(
        f"/admin/auth/user/{member.pk}/change/", _change_form(member, groups=[str(manager.pk)]), follow=True
    )

    assert response.status_code == 200
    assert list(member.groups.values_list("name", flat=True)) == ["manager"]
    trail = [e for e in _entries(User, member.pk).filter(pk__gt=before) if "groups" in (e.changes or {})]
    operations = {(e.changes["groups"]["operation"], tuple(e.changes["groups"]["objects"])) for e in trail}
    assert operations == {("add", ("manager",)), ("delete", ("staff",))}
    assert {e.actor for e in trail} == {admin_user}


@pytest.mark.django_db
def test_a_user_and_a_group_created_leave_entries(client, admin_user):
    client.force_login(admin_user)
    client.post("/admin/auth/group/add/", {"name": "auditors"})
    group = Group.objects.get(name="auditors")
    assert _entries(Group, group.pk).get(action=LogEntry.Action.CREATE).actor == admin_user


@pytest.mark.django_db
def test_a_password_change_is_recorded_without_its_hash(admin_user):
    member = UserFactory(username="forgetful")
    member.set_password("another-long-passphrase")
    member.save()
    change = _entries(User, member.pk).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    old, new = change.changes["password"]
    assert new == old == "********"
    assert "pbkdf2" not in str(change.changes) and "pbkdf2" not in (change.serialized_data or "")


@pytest.mark.django_db
def test_a_token_obtained_and_revoked_is_audited_without_its_key(client, admin_user):
    member = UserFactory(username="integration", role="staff")
    answer = APIClient().post("/api/v1/auth/token/", {"username": "integration", "password": PASSWORD})
    key = answer.json()["token"]

    created = _entries(Token, member.pk).get(action=LogEntry.Action.CREATE)
    assert created.object_repr == "API token of integration"

    client.force_login(admin_user)
    response = client.post(f"/admin/authtoken/tokenproxy/{member.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not Token.objects.filter(user=member).exists()
    deleted = _entries(Token, member.pk).get(action=LogEntry.Action.DELETE)
    assert deleted.actor == admin_user

    for entry in LogEntry.objects.all():
        fields = (entry.object_pk, entry.object_repr, entry.changes, entry.changes_text, entry.serialized_data)
        stored = " ".join(str(v) for v in fields)
        assert key not in stored


@pytest.mark.django_db
def test_a_login_is_not_an_account_change(client):
    member = UserFactory(username="regular")
    before = _entries(User, member.pk).count()
    client.post("/accounts/login/", {"username": "regular", "password": PASSWORD})
    member.refresh_from_db()
    assert member.last_login is not None
    assert _entries(User, member.pk).count() == before
