"""Imported tickets that closed recently ask the customer too; imported history does not."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from satisfaction.imports.services import import_file
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _csv(rows) -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.BytesIO(out.getvalue().encode())


def test_ticket_import_invites_for_recently_closed_tickets_only(django_capture_on_commit_callbacks):
    contact = f.ContactFactory(email="ops@example.com", contact_priority=1)
    f.ContractFactory(customer=contact.customer, external_id="H-1")
    now = timezone.localtime()
    fmt = "%Y-%m-%d %H:%M"
    rows = [
        ["工单ID", "合同ID", "创建时间", "关闭时间"],
        ["T-new", "H-1", (now - dt.timedelta(days=2)).strftime(fmt), (now - dt.timedelta(days=1)).strftime(fmt)],
        ["T-old", "H-1", "2024-05-01 09:00", "2024-05-01 17:30"],
        ["T-open", "H-1", (now - dt.timedelta(hours=3)).strftime(fmt), ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="tickets", source=_csv(rows), filename="t.csv").created == 3
    invitation = SurveyInvitation.objects.get()
    assert invitation.ticket.external_id == "T-new" and invitation.contact == contact
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    # Importing the same file again creates nothing and asks nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        import_file(kind="tickets", source=_csv(rows), filename="t.csv")
    assert SurveyInvitation.objects.count() == 1 and len(mail.outbox) == 1
