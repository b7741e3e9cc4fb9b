"""API of alerts (list, acknowledge, resolve) and the watch list."""

from __future__ import annotations

import functools

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import ManagerReadOnlyViewSet, action_docs, call_service, resource_docs, valid_input
from satisfaction.alerts import filtersets, selectors
from satisfaction.alerts.api import schema as examples
from satisfaction.alerts.api import serializers as s
from satisfaction.alerts.api.schema import ALERT_RESOLVED
from satisfaction.alerts.services import alert_acknowledge, alert_resolve
from satisfaction.alerts.watchlist import watchlist_add, watchlist_assign_owner, watchlist_remove


class AlertActionsMixin:
    """Acknowledge and resolve, through the alert services."""

    @action_docs(
        "Acknowledge an alert",
        "Open → acknowledged: someone is on it (managers). 400 when the alert is not open.",
        None,
        s.SatisfactionAlertSerializer,
        {**examples.ALERT, "status": "acknowledged"},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = call_service(alert_acknowledge, alert=self.get_object(), user=request.user)
        return Response(s.SatisfactionAlertSerializer(self.get_queryset().get(pk=alert.pk)).data)

    @action_docs(
        "Resolve an alert",
        "Open or acknowledged → resolved, with a note saying what was done (managers). 400 without a note "
        "or when already resolved.",
        s.AlertResolveSerializer,
        s.SatisfactionAlertSerializer,
        ALERT_RESOLVED,
        {"note": ALERT_RESOLVED["resolution_note"]},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = valid_input(s.AlertResolveSerializer, request)
        alert = call_service(alert_resolve, alert=self.get_object(), user=request.user, note=data["note"])
        return Response(s.SatisfactionAlertSerializer(self.get_queryset().get(pk=alert.pk)).data)


# `/api/v1/alerts/` serves the same operations as the enterprise alert paths below; the schema lists them once
# (under the enterprise paths), so a generated client has one method per operation.
@extend_schema_view(
    list=extend_schema(exclude=True),
    retrieve=extend_schema(exclude=True),
    acknowledge=extend_schema(exclude=True),
    resolve=extend_schema(exclude=True),
)
class SatisfactionAlertViewSet(AlertActionsMixin, ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.alert_list)
    serializer_class = s.SatisfactionAlertSerializer
    filterset_class = filtersets.SatisfactionAlertFilterSet
    ordering_fields = ["last_seen_at", "created_at", "severity", "status"]


@extend_schema_view(
    list=extend_schema(
        operation_id="enterprise_satisfaction_alerts_list",
        exclude=False,
        summary="Alerts (enterprise operation)",
        description="Alerts with the same filters as `GET /api/v1/alerts/` (managers); e.g. `unresolved=true`.",
        examples=[OpenApiExample("An alert", value=examples.ALERT, response_only=True)],
        tags=["enterprise-satisfaction"],
    ),
    retrieve=extend_schema(
        operation_id="enterprise_satisfaction_alerts_retrieve",
        exclude=False,
        summary="One alert (enterprise operation)",
        description="The alert with this id.",
        examples=[OpenApiExample("An alert", value=examples.ALERT, response_only=True)],
        tags=["enterprise-satisfaction"],
    ),
    acknowledge=extend_schema(
        operation_id="enterprise_satisfaction_alerts_acknowledge", exclude=False, tags=["enterprise-satisfaction"]
    ),
    resolve=extend_schema(
        operation_id="enterprise_satisfaction_alerts_resolve", exclude=False, tags=["enterprise-satisfaction"]
    ),
)
class EnterpriseAlertViewSet(SatisfactionAlertViewSet):
    """`GET enterprise-satisfaction/satisfaction/alerts` with acknowledge and resolve."""


@resource_docs(
    "watch-list entry",
    "watch-list entries",
    examples.WATCH_ENTRY,
    create=extend_schema(
        summary="Put a customer on the watch list",
        description="Adds the customer by hand (managers). 400 on `customer` when already watched.",
        request=s.WatchlistAddSerializer,
        responses={201: s.WatchlistEntrySerializer},
        examples=[
            OpenApiExample("Request", value={"customer": 42, "note": "Two low scores in a week."}, request_only=True),
            OpenApiExample("Entry", value={**examples.WATCH_ENTRY, "reason": "manual"}, response_only=True),
        ],
    ),
)
class WatchlistEntryViewSet(mixins.CreateModelMixin, ManagerReadOnlyViewSet):
    # The API lists past entries too (filter with `active`); the page shows the current watch list.
    selector = staticmethod(functools.partial(selectors.watchlist_list, include_removed=True))
    serializer_class = s.WatchlistEntrySerializer
    filterset_class = filtersets.WatchlistEntryFilterSet
    ordering_fields = ["since", "removed_at"]

    def create(self, request, *args, **kwargs):
        data = valid_input(s.WatchlistAddSerializer, request)
        entry = call_service(watchlist_add, user=request.user, **data)
        return Response(self._show(entry), status=status.HTTP_201_CREATED)

    def _show(self, entry):
        return s.WatchlistEntrySerializer(self.get_queryset().get(pk=entry.pk)).data

    @action_docs(
        "Take a customer off the watch list",
        "Ends the entry with a note; the entry stays as history (managers).",
        s.WatchlistRemoveSerializer,
        s.WatchlistEntrySerializer,
        {**examples.WATCH_ENTRY, "removed_at": "2026-11-30T10:00:00+08:00", "is_active": False},
        {"note": "Scores back above 4 for a month."},
    )
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        data = valid_input(s.WatchlistRemoveSerializer, request)
        entry = call_service(watchlist_remove, entry=self.get_object(), user=request.user, note=data["note"])
        return Response(self._show(entry))

    @action_docs(
        "Assign the follow-up owner",
        "Sets who follows the account up (managers).",
        s.WatchlistOwnerSerializer,
        s.WatchlistEntrySerializer,
        examples.WATCH_ENTRY,
        {"owner": 3},
    )
    @action(detail=True, methods=["post"], url_path="assign-owner")
    def assign_owner(self, request, pk=None):
        data = valid_input(s.WatchlistOwnerSerializer, request)
        entry = call_service(watchlist_assign_owner, entry=self.get_object(), owner=data["owner"], user=request.user)
        return Response(self._show(entry))
