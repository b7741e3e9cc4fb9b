"""Every model of the `satisfaction` app, gathered for Django.

Models live in the package that owns them (crm, helpdesk, feedback, alerts, improvements, surveys, imports);
Django loads them through this module. Code imports a model from its own package, not from here.
"""

from satisfaction.alerts.models import (
    AlertEmail,
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
from satisfaction.crm.models import (
    Contact,
    Contract,
    Customer,
    ServiceType,
    segment_customer_ids,
    segment_priority_subquery,
)
from satisfaction.feedback.models import (
    DISSATISFIED_BELOW,
    HIGH_SATISFIED_MIN,
    SATISFIED_MIN,
    SatisfactionRecord,
    SatisfactionTarget,
)
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.imports.models import ImportJob, ImportKind, ImportMapping
from satisfaction.improvements.models import (
    Category,
    ImprovementMeasure,
    ImprovementSuggestion,
    ImprovementTask,
    MeasureEvaluation,
)
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.schedules.models import JobRun
from satisfaction.surveys.models import SurveyCampaign, SurveyInvitation, SurveyOptOut, SurveySettings
from satisfaction.text.models import RecordTopic, TextAnalysis, Topic

__all__ = [
    "AlertEmail",
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
    "ContactAttempt",
    "Contact",
    "Contract",
    "Customer",
    "ImportJob",
    "ImportKind",
    "ImportMapping",
    "JobRun",
    "ImprovementMeasure",
    "ImprovementSuggestion",
    "ImprovementTask",
    "MeasureEvaluation",
    "RecoveryCase",
    "SatisfactionAlert",
    "SatisfactionRecord",
    "SatisfactionTarget",
    "ServiceTicket",
    "ServiceType",
    "SurveyCampaign",
    "SurveyInvitation",
    "SurveyOptOut",
    "SurveySettings",
    "RecordTopic",
    "TextAnalysis",
    "Topic",
    "WatchlistEntry",
    "segment_customer_ids",
    "segment_priority_subquery",
]
