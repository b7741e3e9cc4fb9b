"""The domain of Satisfaction (DESIGN §2)."""

from .alerts import (
    AlertSettings,
    CustomerRiskScore,
    NotificationPreference,
    RiskFactor,
    RiskWeight,
    SatisfactionAlert,
    WatchlistEntry,
    WebhookDelivery,
    WebhookEndpoint,
)
from .base import Level
from .customers import (
    Contact,
    Contract,
    Customer,
    ServiceType,
    segment_customer_ids,
    segment_priority_subquery,
)
from .feedback import DISSATISFIED_BELOW, HIGH_SATISFIED_MIN, SATISFIED_MIN, SatisfactionRecord, SatisfactionTarget
from .imports import ImportJob, ImportKind, ImportMapping
from .improvements import Category, ImprovementMeasure, ImprovementSuggestion, ImprovementTask, MeasureEvaluation
from .service import Complaint, ServiceTicket
from .surveys import SurveyCampaign, SurveyInvitation, SurveyOptOut, SurveySettings

__all__ = [
    "AlertSettings",
    "CustomerRiskScore",
    "NotificationPreference",
    "RiskFactor",
    "RiskWeight",
    "WebhookDelivery",
    "WebhookEndpoint",
    "DISSATISFIED_BELOW",
    "HIGH_SATISFIED_MIN",
    "SATISFIED_MIN",
    "Category",
    "Complaint",
    "Contact",
    "Contract",
    "Customer",
    "ImportJob",
    "ImportKind",
    "ImportMapping",
    "ImprovementMeasure",
    "ImprovementSuggestion",
    "ImprovementTask",
    "Level",
    "MeasureEvaluation",
    "SatisfactionAlert",
    "SatisfactionRecord",
    "SatisfactionTarget",
    "ServiceTicket",
    "ServiceType",
    "SurveyCampaign",
    "SurveyInvitation",
    "SurveyOptOut",
    "SurveySettings",
    "WatchlistEntry",
    "segment_customer_ids",
    "segment_priority_subquery",
]
