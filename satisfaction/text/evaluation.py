"""Accuracy of the sentiment on the labelled evaluation sets shipped in the repository (macro-F1 per language)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from satisfaction.text.analyser import analyse

EVAL_DIR = Path(__file__).resolve().parent / "tests" / "data"


def macro_f1(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 over `labels`; a prediction outside them counts as a miss."""
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(scores) / len(scores)


def load_eval_set(language: str) -> list[tuple[str, str]]:
    """(text, label) rows of `eval_<language>.csv`."""
    with open(EVAL_DIR / f"eval_{language}.csv", encoding="utf-8", newline="") as fh:
        return [(row["text"], row["label"]) for row in csv.DictReader(fh)]


def evaluate(language: str) -> dict:
    """n, labels, macro-F1 and the misclassified rows of the analyser on one evaluation set."""
    rows = load_eval_set(language)
    truth = [label for _, label in rows]
    predicted = [analyse(text).sentiment for text, _ in rows]
    labels = sorted(set(truth))
    return {
        "language": language,
        "n": len(rows),
        "labels": labels,
        "macro_f1": macro_f1(truth, predicted, labels),
        "errors": [(t, y, p) for (t, y), p in zip(rows, predicted, strict=True) if y != p],
    }
