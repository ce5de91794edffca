"""Tests for the theme engine (insights.themes): clusters, labels, polarity, people, trends."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from insights.themes import FeedbackItem, ThemeResult, find_themes, item_polarity, polarity_cues
from insights.themes.labels import STOP_WORDS, phrases
from insights.themes.polarity import theme_polarity
from store.vector.embedder import HashingEmbedder, MiniLMEmbedder
from store.vector.onnx_bert import ensure_onnx_model

DIM = 384
TOPICS = [
    ("onboarding", "mentoring", "newcomers", "buddy"),
    ("incident", "outage", "postmortem", "pager"),
    ("budget", "forecast", "invoices", "spreadsheet"),
    ("prototype", "accessibility", "wireframes", "usability"),
]
FILLER = ["the", "and", "with", "for", "on", "our", "this", "was", "a"]


def ari(truth: Sequence[object], found: Sequence[object]) -> float:
    """Adjusted Rand index (Hubert and Arabie) from the contingency table."""
    _, a = np.unique(np.array([str(x) for x in truth]), return_inverse=True)
    _, b = np.unique(np.array([str(x) for x in found]), return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / pairs(np.array([len(a)]))
    top = (rows + cols) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def topic_text(rng: random.Random, topic: int, opener: str = "thanks for") -> str:
    words = TOPICS[topic]
    a, b = rng.sample(words, 2)
    return f"{opener} {rng.choice(FILLER)} {a} {rng.choice(FILLER)} {b}"


def make_items(
    sizes: Sequence[int],
    *,
    seed: int = 1,
    spread: float = 0.6,
    period: str = "current",
    centres: np.ndarray | None = None,
    prefix: str = "k",
    opener: str = "thanks for",
) -> tuple[list[FeedbackItem], list[int]]:
    """Items around one random unit centre per topic (cosine to the centre about 0.85)."""
    rng = np.random.default_rng(seed)
    text_rng = random.Random(seed)
    if centres is None:
        centres = unit(np.random.default_rng(0).standard_normal((len(TOPICS), DIM)))
    items: list[FeedbackItem] = []
    truth: list[int] = []
    for topic, size in enumerate(sizes):
        noise = rng.standard_normal((size, DIM)) * spread / np.sqrt(DIM)
        for n, vector in enumerate(unit(centres[topic] + noise)):
            items.append(
                FeedbackItem(
                    id=f"{prefix}:{topic}:{n:03d}",
                    text=topic_text(text_rng, topic, opener),
                    vector=vector.tolist(),
                    subject_ids=(100 + n % 7,),
                    author_id=200 + n % 5,
                    period=period,
                )
            )
            truth.append(topic)
    return items, truth


def assigned(result: ThemeResult) -> list[str]:
    return [a or "none" for a in result.assignments]


def test_recovers_synthetic_clusters() -> None:
    items, truth = make_items([40, 35, 30, 25])
    result = find_themes(items)
    assert len(result.themes) == 4
    assert ari(truth, assigned(result)) > 0.95
    assert [t.id for t in result.themes] == ["t1", "t2", "t3", "t4"]
    assert [t.size for t in result.themes] == sorted((t.size for t in result.themes), reverse=True)
    for theme in result.themes:
        assert theme.size == len(theme.item_ids)
        assert list(theme.item_ids) == sorted(theme.item_ids)


def test_same_input_gives_identical_output() -> None:
    items, _ = make_items([30, 30, 30], spread=1.2)
    assert find_themes(items) == find_themes(items)
    assert find_themes(items, seed=3) == find_themes(list(items), seed=3)


def test_input_order_does_not_change_themes() -> None:
    items, _ = make_items([30, 25, 20], spread=1.2)
    shuffled = list(items)
    random.Random(5).shuffle(shuffled)
    first, second = find_themes(items), find_themes(shuffled)
    assert first.themes == second.themes
    by_id = dict(zip((i.id for i in items), first.assignments, strict=True))
    assert list(second.assignments) == [by_id[i.id] for i in shuffled]


def test_small_clusters_get_no_theme() -> None:
    items, truth = make_items([30, 30, 4])
    result = find_themes(items, min_size=5)
    assert all(t.size >= 5 for t in result.themes)
    small = [a for a, t in zip(result.assignments, truth, strict=True) if t == 2]
    assert small == [None] * 4
    assert len(result.themes) == 2


def test_too_few_items_and_empty_input() -> None:
    assert find_themes([]) == ThemeResult((), ())
    items, _ = make_items([4])
    result = find_themes(items, min_size=5)
    assert result.themes == ()
    assert result.assignments == (None,) * 4


def test_outliers_and_zero_vectors_get_no_theme() -> None:
    items, _ = make_items([30, 30])
    rng = np.random.default_rng(9)
    strays = [
        FeedbackItem(f"stray:{n}", "something else entirely", v.tolist(), (1,), 2)
        for n, v in enumerate(unit(rng.standard_normal((3, DIM))))
    ]
    blank = FeedbackItem("blank", "", [0.0] * DIM, (1,), 2)
    result = find_themes([*items, *strays, blank])
    assert len(result.themes) == 2
    assert result.assignments[-4:] == (None, None, None, None)


REASONS = [
    "for handling the production outage calmly and restoring service for customers",
    "for mentoring new engineers patiently during onboarding week",
]


def pasted_reasons(vectors: Sequence[Sequence[float]]) -> list[FeedbackItem]:
    texts = pasted_texts()
    return [
        FeedbackItem(f"kudos:{n:02d}", text, vector, (n % 18,), 40 + n % 18)
        for n, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]


def pasted_texts() -> list[str]:
    return [f"{r} {['today', 'again', 'this sprint'][i % 3]}" for r in REASONS for i in range(18)]


def test_a_reason_pasted_with_different_endings_is_one_theme() -> None:
    # Copies read as infinitely tight clusters; they must not split a theme by last word.
    items = pasted_reasons(HashingEmbedder().embed(pasted_texts()))
    result = find_themes(items)
    assert sorted(t.size for t in result.themes) == [18, 18]
    assert None not in result.assignments


def test_people_counts_distinct_subjects_and_authors() -> None:
    items, _ = make_items([12])
    people = [((1,), 7), ((2,), None), ((1, 3), 1), ((3,), 7)]
    items = [
        FeedbackItem(i.id, i.text, i.vector, *people[n % len(people)]) for n, i in enumerate(items)
    ]
    (theme,) = find_themes(items).themes
    assert theme.people == 4  # 1, 2, 3 and 7


def test_trends_compare_shares_of_each_period() -> None:
    current, _ = make_items([30, 10, 20, 20], seed=1)
    previous, _ = make_items([6, 34, 0, 20], seed=2, period="previous", prefix="p")
    result = find_themes([*current, *previous])
    by_topic = {t.item_ids[0].split(":")[1]: t for t in result.themes}
    assert by_topic["0"].trend == "rising"
    assert by_topic["1"].trend == "falling"
    assert by_topic["2"].trend == "new"
    assert by_topic["3"].trend == "steady"  # 20 of 80 now vs 20 of 60: within noise
    assert by_topic["2"].previous_size == 0
    assert 32 <= by_topic["1"].previous_size <= 34
    # Previous items are assigned but never counted in a theme's items or size.
    assert all(i.startswith("k:") for t in result.themes for i in t.item_ids)
    previous_assignments = result.assignments[len(current) :]
    assert sum(a is not None for a in previous_assignments) >= 55


def test_only_previous_items_give_no_themes() -> None:
    previous, _ = make_items([20, 20], period="previous")
    result = find_themes(previous)
    assert result.themes == ()
    assert set(result.assignments) == {None}


def test_labels_are_frequent_words_without_stop_words() -> None:
    items, truth = make_items([30, 30, 30])
    result = find_themes(items)
    topic_of = dict(zip((i.id for i in items), truth, strict=True))
    for theme in result.themes:
        topic = topic_of[theme.item_ids[0]]
        words = {w for phrase in theme.keywords for w in phrase.split()}
        assert 2 <= len(theme.label.split(" · ")) <= 4
        assert theme.label.split(" · ") == list(theme.keywords[: len(theme.label.split(" · "))])
        assert not words & STOP_WORDS
        label_words = {w for phrase in theme.label.split(" · ") for w in phrase.split()}
        assert label_words <= set(TOPICS[topic])


def test_a_name_from_one_person_stays_out_of_labels() -> None:
    items, _ = make_items([20])
    # "Priya" appears in many items, all about the same single person.
    items = [
        FeedbackItem(i.id, i.text + (" priya" if n % 2 else ""), i.vector, (5,), None)
        if n % 2
        else i
        for n, i in enumerate(items)
    ]
    (theme,) = find_themes(items).themes
    assert "priya" not in " ".join(theme.keywords)


def test_a_theme_about_one_person_keeps_its_label() -> None:
    items, _ = make_items([12])
    items = [FeedbackItem(i.id, i.text, i.vector, (5,), 6) for i in items]
    (theme,) = find_themes(items).themes
    assert set(theme.label.split(" · ")) <= set(TOPICS[0])


def test_phrases_skip_markup_stop_words_and_clause_breaks() -> None:
    found = phrases("Thanks <@U123> for the code reviews. Docs were great! https://x.io/a")
    assert "code review" in found
    assert found["code review"] == "code reviews"
    assert "review doc" not in found  # "reviews. Docs" crosses a sentence
    assert not set(found) & STOP_WORDS
    assert not any("u123" in p or "http" in p for p in found)


PRAISE = [
    "Thanks so much for the great demo, the client loved it!",
    "Excellent work on the release notes, really clear and helpful.",
    "I really appreciate how patient you were with the new hires.",
    "Outstanding job leading the incident call, calm and thorough.",
    "The onboarding guide is well written and easy to follow.",
]
CRITICISM = [
    "The report was late and missed the deadline.",
    "The design doc is unclear and needs more detail.",
    "You should share updates earlier; the team was confused.",
    "Several calculation errors made the forecast wrong.",
    "The handoff notes could be clearer next time.",
]


@pytest.mark.parametrize("text", PRAISE)
def test_praise_is_a_strength(text: str) -> None:
    assert item_polarity(text) == "strength"


@pytest.mark.parametrize("text", CRITICISM)
def test_criticism_is_growth(text: str) -> None:
    assert item_polarity(text) == "growth"


def test_polarity_rules_are_explained() -> None:
    assert item_polarity("She shipped the billing migration.") == "neutral"
    assert item_polarity("Great demo, but the notes were late.") == "growth"
    assert item_polarity("The plan was not clear.") == "growth"
    assert item_polarity("No issues at all, very reliable.") == "strength"
    assert item_polarity("Could you send the agenda before the meeting?") == "growth"
    cues = polarity_cues("Great demo, but the notes were late.")
    assert cues.cues == ("great", "-late")
    assert cues.score == pytest.approx(0.5 - 1.5)


def test_theme_polarity_needs_a_clear_majority() -> None:
    assert theme_polarity(["strength"] * 7 + ["growth"] * 3) == "strength"
    assert theme_polarity(["growth"] * 7 + ["neutral"] * 10 + ["strength"]) == "growth"
    assert theme_polarity(["strength", "growth"]) == "mixed"
    assert theme_polarity(["neutral", "neutral"]) == "mixed"


def test_theme_polarity_from_texts() -> None:
    praise, _ = make_items([25, 0], opener="excellent, thank you for")
    critique, _ = make_items([0, 25], opener="unclear and late:", prefix="c")
    result = find_themes([*praise, *critique])
    polarity = {t.item_ids[0][0]: t.polarity for t in result.themes}
    assert polarity == {"k": "strength", "c": "growth"}


def test_representatives_are_closest_members() -> None:
    items, _ = make_items([30, 30])
    centre = unit(np.random.default_rng(0).standard_normal((len(TOPICS), DIM)))[0]
    exact = FeedbackItem("k:0:centre", "thanks for the onboarding", centre.tolist(), (1,), 2)
    result = find_themes([*items, exact])
    theme = next(t for t in result.themes if "k:0:centre" in t.item_ids)
    assert theme.representative_ids[0] == "k:0:centre"
    assert len(theme.representative_ids) == 3
    assert set(theme.representative_ids) <= set(theme.item_ids)


def test_max_themes_caps_the_number_of_themes() -> None:
    items, _ = make_items([20, 20, 20, 20])
    assert len(find_themes(items, max_themes=2).themes) <= 2


def test_rejects_bad_input() -> None:
    items, _ = make_items([6])
    with pytest.raises(ValueError, match="period"):
        find_themes([FeedbackItem("x", "t", items[0].vector, (), None, period="later")])
    with pytest.raises(ValueError, match="same length"):
        find_themes([items[0], FeedbackItem("y", "t", [1.0, 0.0], (), None)])
    with pytest.raises(ValueError, match="min_size"):
        find_themes(items, min_size=0)
    with pytest.raises(ValueError, match="finite"):
        find_themes([FeedbackItem("z", "t", [float("nan")] * DIM, (), None)])


# --- Real sentences through the real offline model. ---

REAL = {
    "onboarding": [
        "Thanks for walking me through the deploy pipeline in my first week.",
        "Your onboarding checklist made my first days so much easier.",
        "The onboarding session you ran for the new joiners was really helpful.",
        "Thank you for pairing with the new hire on her first pull request.",
        "You made our new teammates feel welcome from day one.",
        "The welcome guide for new engineers is clear and friendly.",
        "Thanks for answering every newcomer question in the onboarding channel.",
        "Your mentoring of the interns during onboarding was fantastic.",
        "The buddy program you organised for new hires works really well.",
        "New joiners said your onboarding talk was the best part of their first week.",
        "Thanks for the onboarding docs for new team members.",
        "Setting up laptops for the new hires saved them a whole day.",
        "You checked in with every new starter after their first month.",
    ],
    "finance": [
        "The quarterly budget report had several calculation errors.",
        "The budget spreadsheet was late and missed the finance deadline.",
        "Please double check the totals in the expense report before sending it.",
        "The invoice reconciliation needs to be more careful.",
        "Forecast figures in the board deck did not match the budget.",
        "The monthly financial report was submitted two days late.",
        "Expense approvals are often delayed, which blocks reimbursements.",
        "The revenue numbers in the budget spreadsheet did not add up.",
        "Budget variance explanations were unclear in the finance review.",
        "The cost report should include the missing vendor invoices.",
        "The quarterly forecast numbers should be checked twice.",
        "Finance waited a week on the late budget submission.",
        "The expense report template had the wrong totals.",
    ],
    "customers": [
        "The customer demo went smoothly and the client loved it.",
        "You handled the angry customer call with real patience.",
        "Thanks for resolving the client escalation so quickly.",
        "The customer said your support reply was the most helpful they had received.",
        "Great presentation to the client; they signed the renewal.",
        "You turned a frustrated customer into a happy one.",
        "Your follow-up email to the client after the outage was excellent.",
        "The client workshop you led got great feedback from their team.",
        "Customers keep praising your quick answers in the support queue.",
        "Thanks for staying late to help the customer with their migration.",
        "The client thanked us for your clear explanation of the new pricing.",
        "Your customer call was friendly and well prepared.",
        "You kept the client calm during the incident call.",
        "Three customers mentioned your support tickets in the survey.",
    ],
}


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> MiniLMEmbedder:
    cache = tmp_path_factory.mktemp("themes-minilm")
    ensure_onnx_model(cache)
    return MiniLMEmbedder(Path(cache))


def test_real_sentences_form_three_labelled_themes(minilm: MiniLMEmbedder) -> None:
    texts = [t for group in REAL.values() for t in group]
    truth = [topic for topic, group in REAL.items() for _ in group]
    vectors = minilm.embed(texts)
    items = [
        FeedbackItem(f"fb:{n:02d}", text, vector, (n % 9,), 50 + n % 4)
        for n, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]
    result = find_themes(items)
    assert len(result.themes) == 3
    assert ari(truth, assigned(result)) > 0.9
    expected = {"onboarding": "onboarding", "finance": "budget", "customers": "client"}
    topic_of = dict(zip((i.id for i in items), truth, strict=True))
    polarity = {}
    for theme in result.themes:
        topic = max(REAL, key=lambda t: sum(topic_of[i] == t for i in theme.item_ids))
        words = {w for p in theme.label.split(" · ") for w in p.split()}
        assert expected[topic] in words, theme.label
        polarity[topic] = theme.polarity
    assert polarity["finance"] == "growth"
    assert polarity["customers"] == "strength"


def test_real_pasted_reasons_are_not_split_by_their_last_word(minilm: MiniLMEmbedder) -> None:
    items = pasted_reasons(minilm.embed(pasted_texts()))
    result = find_themes(items)
    assert sorted(t.size for t in result.themes) == [18, 18]
    labels = " ".join(t.label for t in result.themes)
    assert "outage" in labels and "mentoring" in labels
