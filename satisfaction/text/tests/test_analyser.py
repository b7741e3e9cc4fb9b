"""The analyser on its own: language, sentiment, topics, keywords and the awkward inputs."""

import pytest

from satisfaction.text.analyser import TopicSpec, analyse, detect_language, split_terms, version_of
from satisfaction.text.evaluation import macro_f1
from satisfaction.text.seed import SEED_TOPICS

TOPICS = tuple(TopicSpec(code, split_terms(en), split_terms(zh)) for code, _, _, en, zh in SEED_TOPICS)


@pytest.mark.parametrize(
    ("text", "language"),
    [("律师回复太慢了", "zh"), ("The report was late.", "en"), ("", "other"), ("   ", "other"), ("😊👍", "other"),
     ("Привет, как дела", "other"), ("服务很好，报告也很完整 OK", "zh"), ("Great service 很好", "en"),
     ("12345", "other")],
)  # fmt: skip
def test_language(text, language):
    assert detect_language(text) == language if text.strip() else analyse(text).language == language


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [("非常满意，律师很专业", "positive"), ("等了三天才回复，太慢了", "negative"), ("不满意", "negative"),
     ("满意", "positive"), ("服务不专业", "negative"), ("Great, very helpful staff.", "positive"),
     ("Not happy with the outcome.", "negative"), ("The report arrived on Tuesday.", "neutral"),
     ("Terrible, the invoice was wrong", "negative"), ("👍", "positive"), ("👎", "negative"), ("", "neutral")],
)  # fmt: skip
def test_sentiment_label_and_its_contrary(text, sentiment):
    result = analyse(text)
    assert result.sentiment == sentiment
    assert -1 <= result.score <= 1
    assert (result.score > 0) == (sentiment == "positive")
    assert (result.score < 0) == (sentiment == "negative")


def test_negation_turns_a_positive_term_around():
    assert analyse("The staff were helpful.").score > 0
    assert analyse("The staff were not helpful.").score < 0
    assert analyse("服务很及时").score > 0
    assert analyse("服务不及时").score < 0


def test_topics_in_both_languages_with_the_matched_terms():
    zh = analyse("律师回复太慢，报价也太贵", TOPICS)
    assert set(zh.topics) >= {"response_speed", "price_billing"}
    assert "太慢" in zh.topics["response_speed"]
    en = analyse("Slow reply and an invoice with errors.", TOPICS)
    assert set(en.topics) >= {"response_speed", "price_billing", "accuracy"}
    assert analyse("Thanks!", TOPICS).topics == {}


def test_mixed_language_reads_both_lexicons():
    result = analyse("服务很好 but the report was wrong and late", TOPICS)
    assert {"response_speed", "accuracy"} <= set(result.topics)
    assert result.keywords  # Chinese and English words both considered


def test_keywords_skip_stop_words_and_punctuation():
    result = analyse("报告报告报告，数据分析很好！The report report is fine.")
    assert result.keywords[0] in {"报告", "report"}
    assert "the" not in result.keywords and "，" not in result.keywords


def test_long_emoji_and_odd_texts_never_raise():
    for text in ["慢" * 10_000, "a" * 10_000, "😀" * 5000, "\x00\ufeff\u200b", "<script>alert(1)</script>", None]:
        result = analyse(text, TOPICS)
        assert result.sentiment in {"negative", "neutral", "positive"}


def test_version_changes_with_the_topics():
    assert version_of(TOPICS) == version_of(tuple(reversed(TOPICS)))
    edited = (TopicSpec("response_speed", ("slow",), ()), *TOPICS[1:])
    assert version_of(edited) != version_of(TOPICS)


def test_macro_f1_against_a_hand_worked_case():
    # positive: tp 2 fp 1 fn 0 → F1 0.8; negative: tp 1 fp 0 fn 1 → F1 2/3; neutral prediction is a miss
    truth = ["positive", "positive", "negative", "negative"]
    predicted = ["positive", "positive", "positive", "negative"]
    assert macro_f1(truth, predicted, ["positive", "negative"]) == pytest.approx((0.8 + 2 / 3) / 2)
    assert macro_f1(["positive"], ["neutral"], ["positive"]) == 0.0
