"""An alert's evidence as a reader sees it: each stored key under a label in the reader's language, each value in
words (choice labels, dates, percentages), so the detail page never shows `sla_hours` or `record_ids`.

The rules store evidence as plain JSON (codes and numbers, stable for the API and old rows); the wording is
chosen here, when the page is drawn.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.db import Level
from satisfaction.feedback.models import SatisfactionRecord

LABELS = {
    "record_ids": _("Records behind it"),
    "score": _("Score"),
    "channel": _("Channel"),
    "window": _("Window"),
    "recent_mean": _("Mean of the recent scores"),
    "previous_mean": _("Mean of the scores before"),
    "drop": _("Drop"),
    "recent_scores": _("Recent scores"),
    "cell": _("Cell tested"),
    "segment_priority": _("Segment"),
    "expected": _("Expected satisfaction rate"),
    "observed": _("Observed satisfaction rate"),
    "n": _("Records"),
    "satisfied": _("Satisfied"),
    "p_value": _("p-value"),
    "q_value": _("q-value (Benjamini–Hochberg)"),
    "cells_tested": _("Cells tested"),
    "fdr": _("False discovery rate"),
    "test": _("Test"),
    "baseline": _("Baseline"),
    "stage": _("Stage"),
    "urgency": _("Urgency"),
    "sla_hours": _("SLA (hours)"),
    "hours": _("Hours taken"),
    "period_start": _("Period start"),
    "rate": _("Satisfaction rate"),
    "wilson_low": _("Lower bound (Wilson, 95%)"),
    "wilson_high": _("Upper bound (Wilson, 95%)"),
    "target": _("Target"),
}
# Keys whose numbers are shares (0–1), shown as percentages.
RATES = {"expected", "observed", "rate", "wilson_low", "wilson_high", "target", "fdr"}
STAGES = {"response": _("First response"), "resolution": _("Resolution")}
CELLS = {"overall": _("All records"), "service_segment": _("Service type × segment")}
TESTS = {
    "one-sided beta-binomial (Jeffreys baseline), Benjamini–Hochberg over cells": _(
        "One-sided beta-binomial (Jeffreys baseline), Benjamini–Hochberg over the cells"
    ),
}


def _day(value) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return formats.date_format(moment, "SHORT_DATE_FORMAT")


def _number(value) -> str:
    if isinstance(value, float):
        return formats.number_format(round(value, 4), use_l10n=True)
    return formats.number_format(value, use_l10n=True)


def _span(value: dict) -> str:
    text = f"{_day(value.get('start'))} – {_day(value.get('end'))}"
    if value.get("days") is not None:
        text += " · " + ngettext("%(n)s day", "%(n)s days", value["days"]) % {"n": value["days"]}
    if value.get("n") is not None:
        text += " · " + _("%(satisfied)s of %(n)s satisfied") % {"satisfied": value.get("satisfied"), "n": value["n"]}
    return text


def shown(key: str, value) -> str:
    """One evidence value in words."""
    if value is None:
        return "—"
    if key == "record_ids":
        return str(len(value))
    if key == "stage":
        return str(STAGES.get(value, value))
    if key == "urgency":
        return str(dict(Level.choices).get(value, value))
    if key == "channel":
        return str(dict(SatisfactionRecord.Channel.choices).get(value, value))
    if key == "cell":
        return str(CELLS.get(value, value))
    if key == "test":
        return str(TESTS.get(value, value))
    if key == "segment_priority":
        return str(_("priority %(p)s") % {"p": value})
    if key == "period_start":
        return _day(value)
    if key in RATES and isinstance(value, int | float):
        return formats.number_format(round(value * 100, 1), decimal_pos=1, use_l10n=True) + "%"
    if isinstance(value, dict):
        return _span(value)
    if isinstance(value, list):
        return ", ".join(_number(v) for v in value)
    if isinstance(value, int | float):
        return _number(value)
    return str(value)


def evidence_rows(evidence: dict) -> list[tuple[str, str]]:
    """(label, value) for every evidence key, in the rules' order; an unknown key keeps its name as label."""
    return [(str(LABELS.get(key, key)), shown(key, value)) for key, value in evidence.items()]
