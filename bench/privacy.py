"""Benchmark of the personal-data tools on one large customer: export, erasure, and the nightly retention.

Builds a customer with --contacts contacts and --records records (each with a comment, its text analysis and its
creation entry in the audit log, as the record service leaves them), then times the export zip, the erasure of
one contact, the erasure of the whole customer, and the retention over the same records. Everything runs in one
transaction that is rolled back, so the database is left as it was.

    DATABASE_URL=postgres://satisfaction:satisfaction@127.0.0.1:5432/privacy_bench \
    .venv/bin/python bench/privacy.py --records 5000 --contacts 20

The database must exist and be migrated (`manage.py migrate`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--contacts", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from satisfaction.crm.models import Contact, Customer, ServiceType
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.privacy.archive import export_zip
    from satisfaction.privacy.selectors import Subject
    from satisfaction.privacy.services import personal_data_erase, personal_text_expire
    from satisfaction.surveys.models import SurveyInvitation
    from satisfaction.text.services import text_analyse_records

    timings = {}

    def timed(name, func):
        start = time.perf_counter()
        value = func()
        timings[name] = time.perf_counter() - start
        return value

    try:
        with transaction.atomic():
            customer = Customer.objects.create(name="Bench Customer Ltd")
            service = ServiceType.objects.get(code="data_analysis")
            contacts = Contact.objects.bulk_create(
                Contact(
                    customer=customer, name=f"Person Number{i}", email=f"p{i}@bench.example", phone=f"+86 10 {i:06d}"
                )
                for i in range(args.contacts)
            )
            now = timezone.now()
            records = SatisfactionRecord.objects.bulk_create(
                SatisfactionRecord(
                    customer=customer, service_type=service, score=Decimal(str(1 + (i % 41) / 10)),
                    feedback=f"{contacts[i % args.contacts].name} says the report was slow and the staff friendly",
                    created_at=now - dt.timedelta(hours=i), alerts_evaluated_at=now,
                )
                for i in range(args.records)
            )  # fmt: skip
            SurveyInvitation.objects.bulk_create(
                SurveyInvitation(
                    nonce=f"{i:032x}", source="campaign", contact=contacts[i % args.contacts], customer=customer,
                    service_type=service, record=record,
                )
                for i, record in enumerate(records)
            )  # fmt: skip
            text_analyse_records(record_ids=[r.pk for r in records])
            content_type = ContentType.objects.get_for_model(SatisfactionRecord)
            LogEntry.objects.bulk_create(
                LogEntry(
                    content_type=content_type, object_pk=str(r.pk), object_id=r.pk, object_repr=str(r.pk),
                    action=LogEntry.Action.CREATE, changes={"feedback": ["None", r.feedback]},
                )
                for r in records
            )  # fmt: skip
            size = len(timed("export customer", lambda: export_zip(Subject("customer", customer.pk))))
            timed("erase one contact", lambda: personal_data_erase(
                subject=Subject("contact", contacts[0].pk), reason="bench"))  # fmt: skip
            timed("erase customer", lambda: personal_data_erase(subject=Subject("customer", customer.pk), reason="b"))
            SatisfactionRecord.objects.filter(customer=customer).update(feedback="text again")
            counts = timed(
                "retention (all due)", lambda: personal_text_expire(days=1, now=now + dt.timedelta(days=400))
            )
            raise Rollback
    except Rollback:
        pass
    print(f"{connection.vendor}: {args.records} records, {args.contacts} contacts; export zip {size / 1e6:.1f} MB")
    for name, seconds in timings.items():
        print(f"  {name:<22} {seconds:7.2f} s")
    print(f"  retention emptied: {counts}")


if __name__ == "__main__":
    main()
