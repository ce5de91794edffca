"""The writing coach's detectors: what they flag, what they leave alone, and what they suggest."""

from __future__ import annotations

import random

import pytest

from bench.coach import (
    AGENCY,
    BIO_PERSONALITY_IDS,
    OPINIONS,
    SAMPLE,
    SEED,
    VAGUE_IDS,
    agency,
    opinion_texts,
    scores,
    sentences,
)
from handlers.coach_hints import coach_reply
from handlers.messages import Context, Section, plain
from insights.coach import CoachHint, coach, is_personality, is_vague

# Clearly specific feedback, some of it with trait words or coded words used of things: the
# coach must say nothing about any of it (a coach that nags on good feedback gets turned off).
SPECIFIC = (
    "for fixing the flaky checkout tests",
    "for the release notes",
    "for shipping the billing migration a week early",
    "Thanks Li, the runbook cut our on-call pages in half",
    "for being so patient while onboarding me to the payments service",
    "she is so nice and fixed the flaky ledger tests before the release",
    "He's great at debugging",
    "for your leadership during the Tuesday outage: the status updates every 30 minutes kept "
    "support calm",
    "Thanks for being so thoughtful in the design review, your comments caught the race condition",
    "You paired with Sam on the refund queue and the backlog went from 400 to 12",
    "for rewriting the onboarding doc; new joiners now set up their laptop in an hour",
    "The aggressive timeline for the launch worked because you cut scope early",
    "too aggressive caching in the CDN caused the stale prices, and you found it",
    "She has high emotional intelligence in 1:1s and spotted the burnout in the team early",
    "for the accessibility audit of the checkout page",
    "Ana's migration plan let us retire the old ledger a month early",
    "for answering every customer ticket about the outage within an hour",
    "for the calm on-call handover",
    "Omar automated the certificate renewals, so nobody got paged at 3am this quarter",
    "you kept the retro focused on the deploy pipeline and we left with three owners",
)


@pytest.mark.parametrize("text", SPECIFIC)
def test_clearly_specific_feedback_gets_no_hint(text: str) -> None:
    assert coach(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "great job!",
        "Thanks for everything you do",
        "for all your help this week",
        "thanks for going above and beyond",
        "Awesome work, keep it up :tada:",
        "Good company",
        "Nothing",
        "👍",
    ],
)
def test_praise_that_names_nothing_is_vague(text: str) -> None:
    assert is_vague(text)
    [hint] = coach(text)
    assert hint.kind == "vague"
    assert "Say what they did and what it changed" in hint.suggestion


@pytest.mark.parametrize(
    "text", ["Salary", "Job security", "for the demo", "for the on-call handover notes", ""]
)
def test_a_named_thing_is_not_vague(text: str) -> None:
    assert not is_vague(text)


@pytest.mark.parametrize(
    ("text", "trait"),
    [
        ("She is so nice", "nice"),
        ("You're a rockstar", "rockstar"),
        ("for being so kind", "kind"),
        ("Li is so smart", "smart"),
        ("He's a great guy", "great guy"),
        ("Ana is such a team player", "team player"),
        ("thanks for your positivity", "your positivity"),
        ("Li is kind, patient, a real team player in planning", "team player"),
    ],
)
def test_traits_instead_of_work_are_personality(text: str, trait: str) -> None:
    assert is_personality(text)
    hints = coach(text)
    personality = next(h for h in hints if h.kind == "personality")
    assert trait.replace(" ", "-") in personality.words or trait in personality.words
    assert f"“{trait}”" in personality.message
    assert "behaviour and its effect on the work" in personality.suggestion
    assert all(h.kind != "vague" for h in hints)  # the personality hint covers it


@pytest.mark.parametrize(
    "text",
    [
        "He is smart and wrote the new retry logic for payments",
        "the office is nice",
        "Nice experience",
        "Great products and a nice office",
    ],
)
def test_traits_next_to_work_or_about_things_are_not_personality(text: str) -> None:
    assert not is_personality(text)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("she can be abrasive in meetings", "abrasive"),
        ("Ana is really bossy", "bossy"),
        ("he came across as aggressive", "aggressive"),
        ("She got emotional in the review", "emotional"),
        ("her tone was shrill", "shrill"),
        ("a feisty engineer", "feisty"),
        ("you are too assertive with the team", "too assertive"),
    ],
)
def test_coded_words_about_a_person_get_a_neutral_alternative(text: str, word: str) -> None:
    [hint, *_] = coach(text)
    assert hint.kind == "gendered"
    assert hint.words[0] == word
    assert f"“{word}”" in hint.message
    assert hint.suggestion.startswith("Consider a neutral, behaviour-based word")


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Great job for a woman", "for a woman"),
        ("our female engineer fixed the build", "female engineer"),
        ("she is the office mom", "office mom"),
        ("just man up and ship it", "man up"),
    ],
)
def test_phrases_that_make_gender_the_point_are_flagged(text: str, marker: str) -> None:
    [hint, *_] = coach(text)
    assert (hint.kind, hint.words[0]) == ("gendered", marker)
    assert "Leave gender out" in hint.suggestion


def test_warmth_without_achievement_is_flagged_as_communal_wording() -> None:
    hints = coach("She is so warm, caring and thoughtful")

    assert [h.kind for h in hints] == ["gendered", "personality"]  # most important first
    assert hints[0].words == ("warm", "caring", "thoughtful")
    assert "achieve" in hints[0].suggestion


@pytest.mark.parametrize(
    "text",
    [
        "an aggressive timeline",
        "emotional intelligence is her strength",
        "Pricing is aggressive this quarter",
        "a warm welcome and a friendly office",
        "she is warm and led the incident review that fixed the retry storm",
    ],
)
def test_coded_words_about_things_and_warmth_with_achievement_pass(text: str) -> None:
    assert all(h.kind != "gendered" for h in coach(text))


def test_the_coach_is_deterministic_and_explains_itself() -> None:
    text = "She is bossy and emotional, but a great person"

    first, second = coach(text), coach(text)

    assert first == second
    assert [h.kind for h in first] == ["gendered", "personality"]
    assert first[0].words == ("bossy", "emotional")
    assert all(isinstance(h, CoachHint) and h.message and h.suggestion for h in first)


def test_the_reply_shows_one_suggestion() -> None:
    hints = coach("She is so warm, caring and thoughtful")

    blocks = coach_reply(hints, lead="Before I post your kudos")

    assert coach_reply([]) == []
    assert [type(b) for b in blocks] == [Section, Context]
    shown = " ".join(plain(b.text) for b in blocks if isinstance(b, Section | Context))
    assert "Before I post your kudos" in shown and hints[0].suggestion in shown
    assert hints[1].message not in shown


# --- the labelled data (../shared/data), as in bench/coach.py ---

needs_opinions = pytest.mark.skipif(
    not OPINIONS.is_file(), reason="../shared/data/opinions is absent (clean clone)"
)
needs_bios = pytest.mark.skipif(
    not AGENCY["val"].is_file(), reason="../shared/data/language is absent (clean clone)"
)


@needs_opinions
def test_vague_detector_keeps_its_precision_on_the_labelled_opinions() -> None:
    sample = random.Random(SEED).sample(opinion_texts(OPINIONS), SAMPLE)

    result = scores([is_vague(t) for _, t in sample], [i in VAGUE_IDS for i, _ in sample])

    assert result["precision"] >= 0.95 and result["recall"] >= 0.8


@needs_bios
def test_personality_detector_keeps_its_precision_on_labelled_bio_sentences() -> None:
    split = [
        (f"{r}.{s}", text)
        for r, (bio, _) in enumerate(agency(AGENCY["val"]))
        for s, text in enumerate(sentences(bio))
    ]

    result = scores(
        [is_personality(t) for _, t in split], [i in BIO_PERSONALITY_IDS for i, _ in split]
    )

    assert result["n"] == 200
    assert result["precision"] >= 0.9 and result["recall"] >= 0.4
