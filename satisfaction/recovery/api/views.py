"""API of recovery cases: list with filters, retrieve, contact, close (managers, as alerts)."""

from __future__ import annotations

from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import ManagerReadOnlyViewSet, action_docs, call_service, resource_docs, valid_input
from satisfaction.recovery import filtersets, selectors
from satisfaction.recovery.api import schema as examples
from satisfaction.recovery.api import serializers as s
from satisfaction.recovery.services import recovery_case_close, recovery_case_contact


def _case_list():
    return selectors.recovery_case_list().prefetch_related("attempts__by", "record__alerts")


@resource_docs("recovery case", "recovery cases", examples.CASE)
class RecoveryCaseViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(_case_list)
    serializer_class = s.RecoveryCaseSerializer
    filterset_class = filtersets.RecoveryCaseFilterSet
    ordering_fields = ["due_at", "opened_at", "status"]

    def _show(self, case_id: int):
        return s.RecoveryCaseSerializer(self.get_queryset().get(pk=case_id)).data

    @action_docs(
        "Log a contact attempt",
        "Records a try to reach the customer (managers); the first that reaches them moves the case open → "
        "contacted. 400 on `status` when the case is closed, on `at` when in the future.",
        s.RecoveryContactSerializer,
        s.RecoveryCaseSerializer,
        examples.CASE,
        {"channel": "phone", "reached": True, "note": "Apologised; re-did the brief."},
    )
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        data = valid_input(s.RecoveryContactSerializer, request)
        case = self.get_object()
        call_service(recovery_case_contact, case=case, user=request.user, **data)
        return Response(self._show(case.pk))

    @action_docs(
        "Close a recovery case",
        "Closes with an outcome (`recovered`, `not_recovered`, `unreachable`) and the root cause, a topic code "
        "and/or a few words (managers); `resurvey` with `recovered` sends the one-question re-survey whose answer "
        "becomes `recovery_score`. "
        "400 on `outcome` when nobody reached the customer (except `unreachable`), on `status` when closed.",
        s.RecoveryCloseSerializer,
        s.RecoveryCaseSerializer,
        examples.CASE_CLOSED,
        {"outcome": "recovered", "root_cause_topic": "accuracy", "root_cause": "Brief misread", "resurvey": True},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = valid_input(s.RecoveryCloseSerializer, request)
        case = self.get_object()
        call_service(recovery_case_close, case=case, user=request.user, **data)
        return Response(self._show(case.pk))
