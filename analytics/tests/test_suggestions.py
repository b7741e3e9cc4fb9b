"""Each suggestion rule fires on data built for it and stays silent on data built against it; dedupe on reruns."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from scipy import stats as sps

from analytics.lib import snapshots
from analytics.rules import suggestions as sg
from satisfaction.crm.models import Customer
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.improvements.models import ImprovementSuggestion
from satisfaction.improvements.services import suggestion_accept, suggestion_dismiss
from satisfaction.tests.factories import (
    ComplaintFactory,
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def at(days_ago: int) -> dt.datetime:
    day = today() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(11), tzinfo=timezone.get_current_timezone())


def plant(service_type, scores, *, customer=None, days=(1, 60), **fields):
    """One record per score, spread over `days` (days ago, inclusive range); extra fields per record or fixed."""
    customer = customer or CustomerFactory()
    lo, hi = days
    rows = []
    for i, score in enumerate(scores):
        extra = {k: (v[i] if isinstance(v, list) else v) for k, v in fields.items()}
        rows.append(
            SatisfactionRecord(
                customer=customer,
                service_type=service_type,
                score=Decimal(str(score)),
                created_at=at(lo + i % (hi - lo + 1)),
                **extra,
            )
        )
    SatisfactionRecord.objects.bulk_create(rows)


def found(rule: str):
    return [c for c in sg.find_candidates(today=today(), rules=[rule])]


def test_there_are_at_least_eight_rules():
    assert len(sg.RULES) >= 8


# --- service below target ---


def test_service_below_target_fires_with_the_impact_worked_out(service_types):
    plant(service_types["legal_consultation"], [4.5] * 18 + [3.0] * 12)
    plant(service_types["data_analysis"], [4.5] * 49 + [3.0] * 1)
    [c] = found("service_below_target")
    assert c.scope_key == "service:legal_consultation" and c.service_type_code == "legal_consultation"
    # Overall 67/80; legal at the others' 49/50 would add 30·(0.98 − 0.60) = 11.4 satisfied responses.
    expected_new = (67 + 30 * (49 / 50 - 18 / 30)) / 80
    assert c.impact_points == pytest.approx(round((expected_new - 67 / 80) * 100, 2))
    assert "from 83.8% to 98.0%" in c.expected_impact_en and "83.8%" in c.expected_impact_zh
    assert c.priority == "high" and "60.0%" in c.rationale_en and "法律咨询" in c.title_zh


def test_service_below_target_silent_when_clearly_above(service_types):
    plant(service_types["legal_consultation"], [4.5] * 100)
    plant(service_types["data_analysis"], [4.5] * 10 + [3.0] * 40)  # the other one is below: only it fires
    assert [c.service_type_code for c in found("service_below_target")] == ["data_analysis"]


def test_service_below_target_silent_when_not_clearly_below(service_types):
    # 29/30 = 96.7%; and 27/30 = 90% has a Wilson upper bound above 95%... check it is not clearly below.
    plant(service_types["legal_consultation"], [4.5] * 29 + [3.0] * 1)
    plant(service_types["data_analysis"], [4.5] * 12 + [3.0] * 1)
    assert found("service_below_target") == []


# --- low sub-scores ---


def test_low_accuracy_fires_when_it_goes_with_dissatisfaction(service_types):
    plant(service_types["data_analysis"], [3.0] * 24 + [4.5] * 16, accuracy_score=[2] * 24 + [5] * 16)
    [c] = found("low_sub_score")
    assert c.scope_key == "service:data_analysis:accuracy" and c.category == "quality_assurance"
    assert c.evidence["mean"] == pytest.approx((24 * 2 + 16 * 5) / 40)
    assert "准确性" in c.title_zh


def test_low_accuracy_silent_when_low_accuracy_goes_with_more_satisfaction(service_types):
    # Mean accuracy is low, but the responses rating it below 4 are the satisfied ones: the reverse sign.
    plant(service_types["data_analysis"], [4.5] * 20 + [3.0] * 10, accuracy_score=[2] * 20 + [5] * 10)
    assert found("low_sub_score") == []


def test_low_accuracy_silent_when_scores_are_good_or_unrelated(service_types):
    plant(service_types["data_analysis"], [4.5] * 20, accuracy_score=5, completeness_score=4)
    # Low accuracy but satisfaction does not depend on it: no suggestion.
    plant(service_types["document_review"], [4.5, 3.0] * 10, accuracy_score=[2, 2, 5, 5] * 5)
    assert found("low_sub_score") == []


# --- slow responses ---


def test_slow_response_fires_when_slow_answers_are_less_satisfied(service_types):
    scores = [4.5] * 4 + [3.0] * 16 + [4.5] * 18 + [3.0] * 2
    hours = [30.0] * 20 + [4.0] * 20
    plant(service_types["document_review"], scores, response_time_hours=hours)
    [c] = found("slow_response")
    assert c.scope_key == "service:document_review"
    # Independent: 18/20 vs 4/20, two-sided pooled z.
    pooled = 22 / 40
    z = (18 / 20 - 4 / 20) / (pooled * (1 - pooled) * (2 / 20)) ** 0.5
    assert c.evidence["p"] == pytest.approx(2 * sps.norm.sf(z))
    assert c.severity == pytest.approx(0.5)


def test_slow_response_silent_when_slow_answers_are_more_satisfied(service_types):
    scores = [4.5] * 18 + [3.0] * 2 + [4.5] * 4 + [3.0] * 16
    hours = [30.0] * 20 + [4.0] * 20
    plant(service_types["document_review"], scores, response_time_hours=hours)
    assert found("slow_response") == []


def test_slow_response_silent_when_speed_does_not_matter(service_types):
    plant(service_types["document_review"], [4.5, 3.0] * 20, response_time_hours=[30.0, 30.0, 4.0, 4.0] * 10)
    assert found("slow_response") == []


# --- follow-ups by segment ---


def _tickets(priority: int, n: int, follow_ups: int, service_types):
    customer = CustomerFactory()
    ContactFactory(customer=customer, contact_priority=priority)
    contract = ContractFactory(customer=customer, service_type=service_types["data_analysis"])
    for i in range(n):
        TicketFactory(contract=contract, opened_at=at(5 + i % 20), follow_up=i < follow_ups)


def test_follow_up_segment_fires_for_a_segment_needing_more_follow_ups(service_types):
    plant(service_types["data_analysis"], [4.5] * 10)
    _tickets(1, 20, 12, service_types)
    _tickets(3, 40, 4, service_types)
    [c] = found("follow_up_segment")
    assert (c.scope_key, c.segment_priority, c.priority) == ("segment:1", 1, "high")
    assert c.evidence["follow_up"] == 12 and c.evidence["rest_follow_up"] == 4
    # First-contact resolution 40% → 90% at the others' rate.
    assert c.impact_points == pytest.approx(50.0)
    assert "from 40.0% to 90.0%" in c.expected_impact_en


def test_follow_up_segment_silent_for_a_segment_needing_fewer_follow_ups(service_types):
    plant(service_types["data_analysis"], [4.5] * 10)
    _tickets(1, 20, 1, service_types)
    _tickets(3, 40, 30, service_types)
    assert [c.segment_priority for c in found("follow_up_segment")] == [3]  # the other segment, not priority 1


def test_follow_up_segment_silent_when_rates_match(service_types):
    plant(service_types["data_analysis"], [4.5] * 10)
    _tickets(1, 20, 4, service_types)
    _tickets(3, 40, 8, service_types)
    assert found("follow_up_segment") == []


# --- complaints: escalation policy and SLA ---


def _complaints(service_type, n, **fields):
    contract = ContractFactory(service_type=service_type)
    for i in range(n):
        ComplaintFactory(contract=contract, filed_at=at(3 + i), **{k: v(i) for k, v in fields.items()})


def test_escalation_policy_fires_on_few_escalations_and_low_satisfaction(service_types):
    plant(service_types["legal_consultation"], [4.5] * 10)
    _complaints(service_types["legal_consultation"], 12, escalated=lambda i: i == 0, satisfaction=lambda i: 2)
    [c] = found("escalation_policy")
    assert c.scope_key == "service:legal_consultation" and c.evidence["escalated"] == 1
    assert "8.3%" in c.rationale_en and c.priority == "high"


def test_escalation_policy_silent_when_complainants_are_satisfied_or_escalated(service_types):
    plant(service_types["legal_consultation"], [4.5] * 10)
    _complaints(service_types["legal_consultation"], 12, escalated=lambda i: False, satisfaction=lambda i: 4)
    _complaints(service_types["document_review"], 12, escalated=lambda i: i < 6, satisfaction=lambda i: 2)
    assert found("escalation_policy") == []


def test_complaint_sla_fires_on_many_breaches(service_types):
    plant(service_types["data_analysis"], [4.5] * 10)
    _complaints(
        service_types["data_analysis"],
        10,
        response_hours=lambda i: 30.0 if i < 5 else 2.0,
        satisfaction=lambda i: 2 if i < 5 else 4,
    )
    [c] = found("complaint_sla")
    assert c.evidence["breached"] == 5 and c.severity == pytest.approx(0.5)
    assert c.evidence["breached_avg"] == 2 and c.evidence["met_avg"] == 4 and c.priority == "high"


def test_complaint_sla_silent_when_within_sla(service_types):
    plant(service_types["data_analysis"], [4.5] * 10)
    _complaints(service_types["data_analysis"], 10, response_hours=lambda i: 30.0 if i < 1 else 2.0)
    assert found("complaint_sla") == []


def test_complaint_sla_silent_when_complaints_past_the_sla_are_rated_better(service_types):
    """The finding: many breaches, but those past the SLA rated 3.2 against 3.0: no case for the SLA rule."""
    plant(service_types["data_analysis"], [4.5] * 10)
    _complaints(
        service_types["data_analysis"],
        10,
        response_hours=lambda i: 30.0 if i < 5 else 2.0,
        satisfaction=lambda i: (4 if i == 0 else 3) if i < 5 else 3,
    )
    assert found("complaint_sla") == []


def test_complaint_sla_fires_on_breaches_alone_when_nothing_is_rated(service_types):
    plant(service_types["data_analysis"], [4.5] * 10)
    _complaints(
        service_types["data_analysis"],
        10,
        response_hours=lambda i: 30.0 if i < 5 else 2.0,
        satisfaction=lambda i: None,
    )
    [c] = found("complaint_sla")
    assert c.priority == "medium" and "higher" not in c.expected_impact_en


def test_escalation_policy_silent_when_escalated_complaints_are_rated_worse(service_types):
    plant(service_types["legal_consultation"], [4.5] * 10)
    _complaints(
        service_types["legal_consultation"],
        12,
        escalated=lambda i: i == 0,
        satisfaction=lambda i: 1 if i == 0 else 2,
    )
    assert found("escalation_policy") == []


# --- account recovery ---


def test_account_recovery_fires_on_repeated_low_scores(service_types):
    unhappy = CustomerFactory(name="Acme", tier=Customer.Tier.STRATEGIC)
    plant(service_types["data_analysis"], [2.0, 2.5, 1.0, 4.5], customer=unhappy)
    [c] = found("account_recovery")
    assert (c.scope_key, c.customer_id, c.priority, c.severity) == (f"customer:{unhappy.pk}", unhappy.pk, "high", 3)
    assert "Acme" in c.title_en and "Acme" in c.title_zh


def test_account_recovery_silent_for_a_customer_giving_high_scores(service_types):
    plant(service_types["data_analysis"], [4.5, 5.0, 4.8, 4.6], customer=CustomerFactory(tier=Customer.Tier.STRATEGIC))
    assert found("account_recovery") == []


def test_account_recovery_silent_below_the_repeat_threshold(service_types):
    plant(service_types["data_analysis"], [2.0, 2.5, 4.5, 4.5])
    # Three low scores among twenty: repeated, but only 15% of a large account's responses.
    plant(service_types["data_analysis"], [2.0] * 3 + [4.5] * 17, customer=CustomerFactory())
    plant(service_types["data_analysis"], [1.0, 1.0, 1.0], days=(120, 130))  # outside the look-back window
    assert found("account_recovery") == []


# --- recent drop ---


def test_recent_drop_fires_on_a_significant_fall(service_types):
    plant(service_types["data_analysis"], [4.5] * 40 + [3.0] * 10, days=(31, 59))
    plant(service_types["data_analysis"], [4.5] * 20 + [3.0] * 30, days=(0, 29))
    keys = {c.scope_key: c for c in found("recent_drop")}
    assert set(keys) == {"overall", "service:data_analysis"}
    c = keys["service:data_analysis"]
    assert c.severity == pytest.approx(40.0) and c.priority == "high"
    assert "from 80.0% (40/50)" in c.rationale_en


def test_recent_drop_silent_on_a_significant_rise(service_types):
    plant(service_types["data_analysis"], [4.5] * 20 + [3.0] * 30, days=(31, 59))
    plant(service_types["data_analysis"], [4.5] * 40 + [3.0] * 10, days=(0, 29))
    assert found("recent_drop") == []


def test_recent_drop_silent_when_stable(service_types):
    plant(service_types["data_analysis"], [4.5] * 40 + [3.0] * 10, days=(31, 59))
    plant(service_types["data_analysis"], [4.5] * 39 + [3.0] * 11, days=(0, 29))
    assert found("recent_drop") == []


# --- storing, dedupe, command ---


def _legal_below_target(service_types, bad: int = 12):
    plant(service_types["legal_consultation"], [4.5] * 18 + [3.0] * bad, days=(35, 60))
    plant(service_types["data_analysis"], [4.5] * 49 + [3.0] * 1, days=(35, 60))


def test_generation_stores_once_and_refreshes_while_new(service_types):
    _legal_below_target(service_types)
    first = sg.generate_suggestions(today=today())
    again = sg.generate_suggestions(today=today())
    assert first.created == first.found >= 1 and again.created == 0 and again.existing == again.found
    s = ImprovementSuggestion.objects.get(rule_code="service_below_target")
    assert s.service_type == service_types["legal_consultation"] and s.status == "new"
    assert s.rationale_zh and s.actions_zh and s.expected_impact_zh


def test_dismissed_returns_only_when_clearly_worse_and_accepted_never(service_types, manager_user):
    _legal_below_target(service_types)
    sg.generate_suggestions(today=today())
    s = ImprovementSuggestion.objects.get(rule_code="service_below_target")
    suggestion_dismiss(suggestion=s, user=manager_user, reason="Seasonal")
    sg.generate_suggestions(today=today())
    assert ImprovementSuggestion.objects.filter(rule_code="service_below_target").count() == 1
    plant(service_types["legal_consultation"], [1.0] * 30, days=(35, 60))  # clearly worse
    sg.generate_suggestions(today=today())
    back = ImprovementSuggestion.objects.filter(rule_code="service_below_target", status="new").get()
    suggestion_accept(suggestion=back, user=manager_user)
    sg.generate_suggestions(today=today())
    assert ImprovementSuggestion.objects.filter(rule_code="service_below_target").count() == 2


def test_generate_suggestions_command_runs_in_the_foreground(service_types, capsys):
    _legal_below_target(service_types)
    call_command("generate_suggestions")
    assert "created 1" in capsys.readouterr().out
    assert ImprovementSuggestion.objects.filter(rule_code="service_below_target").exists()


# --- negative topic ---


def _commented(service_type, texts_scores, *, days=(1, 20)):
    from satisfaction.text.services import text_rebuild

    texts = [t for t, _ in texts_scores]
    plant(service_type, [s for _, s in texts_scores], days=days, feedback=texts)
    text_rebuild()
    # The planted records bypass the write services, and the rebuild's after-commit hook does not fire inside a
    # test's transaction: build the snapshots the topic figures are read from.
    snapshots.rebuild_all()


def test_negative_topic_fires_with_the_impact_worked_out(service_types):
    slow_scores = [2.0, 1.5] * 6
    happy_scores = [4.5, 5.0] * 14
    slow = [("律师回复太慢，等了三天", s) for s in slow_scores]  # 12 of 40 texts about speed, all negative
    happy = [("Excellent work, very professional", s) for s in happy_scores]
    _commented(service_types["legal_consultation"], slow + happy)
    [c] = found("negative_topic")
    assert c.scope_key == "topic:response_speed" and c.category == "process"
    # Overall 28/40 satisfied; the 12 speed comments satisfied like the rest (28/28) would add 12 satisfied.
    expected_new = (28 + 12 * (28 / 28 - 0 / 12)) / 40
    assert c.impact_points == pytest.approx(round((expected_new - 28 / 40) * 100, 2))
    expected = sps.ttest_ind(slow_scores, happy_scores, equal_var=False)
    assert c.evidence["p"] == pytest.approx(expected.pvalue)
    assert "响应速度" in c.title_zh and "12 comments" in c.rationale_en


def test_negative_topic_silent_when_its_comments_are_satisfied_as_often(service_types):
    """Lower mean score (4.0 vs 4.9) and negative words, but every one of them satisfied: no satisfaction to win."""
    slow = [("律师回复太慢，等了三天", 4.0)] * 12
    happy = [("Excellent work, very professional", s) for s in [4.8, 5.0] * 14]
    _commented(service_types["legal_consultation"], slow + happy)
    assert found("negative_topic") == []


def test_negative_topic_silent_when_the_topic_is_praised_or_rare(service_types):
    praised = [("回复很及时，速度很快", 4.8)] * 12  # frequent but positive and high-scoring
    rare = [("The invoice was wrong", 2.0)] * 3  # negative but only three mentions
    others = [("Excellent work, very professional", 4.5)] * 25
    _commented(service_types["data_analysis"], praised + rare + others)
    assert found("negative_topic") == []
