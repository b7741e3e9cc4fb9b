"""The published sentiment accuracy (README "Text analytics"): fails if the analyser falls below it."""

import pytest

from satisfaction.text.evaluation import evaluate, load_eval_set

# Published in README.md and docs/text.md; change them only together with a new measurement.
PUBLISHED_MACRO_F1 = {"zh": 0.96, "en": 0.92}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_evaluation_set_is_large_enough_and_labelled(language):
    rows = load_eval_set(language)
    assert len(rows) >= 300
    labels = {label for _, label in rows}
    assert labels == ({"positive", "negative"} if language == "zh" else {"positive", "negative", "neutral"})
    assert len({text for text, _ in rows}) == len(rows)  # no duplicate texts


@pytest.mark.parametrize("language", ["zh", "en"])
def test_macro_f1_is_at_least_the_published_figure(language):
    assert evaluate(language)["macro_f1"] >= PUBLISHED_MACRO_F1[language]
