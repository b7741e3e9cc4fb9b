"""The scan that finds English on Chinese pages: what counts as a word, and what it lets through."""

from tests.browser.scan import english_words


def test_english_sentences_are_found_word_by_word():
    assert english_words("评分 Unknown customer id 已保存") == ["Unknown", "customer", "id"]


def test_codes_abbreviations_and_numbers_are_not_english():
    text = "法律咨询 P1 · FB-101 · legal_consultation · KPI · CSV/XLSX · 2026-11-01 · GB18030 · report.pdf · 72 h"
    assert english_words(text) == []


def test_statistics_names_and_the_language_switcher_are_allowed():
    assert english_words("Welch t = -3.42，Hedges' g = -0.52，Cramér's V = 0.07 · English") == []


def test_names_from_the_data_are_allowed_only_when_given():
    text = "Hualong Holdings · Li Wei"
    assert english_words(text) == ["Hualong", "Holdings", "Li", "Wei"]
    assert english_words(text, allow=["Hualong Holdings", "Li Wei"]) == []


def test_a_raw_choice_code_or_evidence_key_is_caught():
    # A code shown where its label belongs: single words (high, stage) are English, slugs are codes.
    assert english_words("紧急程度 high · stage resolution · dissatisfied") == ["high", "stage", "resolution",
                                                                           "dissatisfied"]  # fmt: skip
