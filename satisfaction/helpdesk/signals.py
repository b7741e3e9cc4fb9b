"""Signals of the helpdesk for writes that bypass `Model.save()`.

`cases_bulk_created(sender=ServiceTicket | Complaint, ids=[…])` is sent once a bulk insert of cases (an import
batch) has committed, so read models kept beside the cases (analytics' pre-aggregates) can follow without
this package importing them.
"""

from django.dispatch import Signal

cases_bulk_created = Signal()
