"""Evidence → competency on a labelled sample, with the real offline MiniLM embedder.

tests/fixtures/skills_labelled.csv holds 40 short feedback texts: 34 written to speak to one
competency of tests/fixtures/skills_framework.yaml, 6 that speak to none (an empty label).
The floors sit just under what the default threshold and margin measured (accuracy 0.725,
precision of links 0.82, no unrelated text linked).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from insights.skills.mapping import (
    Descriptor,
    best_matches,
    descriptor_text,
    evidence_polarity,
)
from store.vector.embedder import HashingEmbedder, MiniLMEmbedder
from store.vector.onnx_bert import ensure_onnx_model

FIXTURES = Path(__file__).parent / "fixtures"


def framework_descriptors() -> list[Descriptor]:
    data = yaml.safe_load((FIXTURES / "skills_framework.yaml").read_text())
    return [
        Descriptor(c["name"], level, text)
        for c in data["competencies"]
        for level, text in c["levels"].items()
    ]


def labelled() -> list[tuple[str, str]]:
    with (FIXTURES / "skills_labelled.csv").open(encoding="utf-8") as f:
        return [(row["text"], row["competency"]) for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> MiniLMEmbedder:
    cache = tmp_path_factory.mktemp("skills-minilm")
    ensure_onnx_model(cache)
    return MiniLMEmbedder(Path(cache))


def test_the_labelled_sample_links_to_the_right_competencies(minilm: MiniLMEmbedder) -> None:
    rows = labelled()
    descriptors = framework_descriptors()
    assert len(rows) >= 30 and {label for _, label in rows} - {""}
    matches = best_matches(
        minilm.embed([t for t, _ in rows]),
        descriptors,
        minilm.embed([descriptor_text(d) for d in descriptors]),
    )
    predicted = [m.competency if m else "" for m in matches]
    labels = [label for _, label in rows]

    accuracy = sum(p == label for p, label in zip(predicted, labels, strict=True)) / len(rows)
    linked = [(p, label) for p, label in zip(predicted, labels, strict=True) if p]
    precision = sum(p == label for p, label in linked) / len(linked)
    unrelated_linked = sum(1 for p, label in linked if not label)
    assert accuracy >= 0.70
    assert precision >= 0.78
    assert unrelated_linked == 0
    # Each link explains itself with a descriptor of the competency it chose.
    for match in matches:
        if match is not None:
            assert any(
                d.text == match.descriptor and d.competency == match.competency for d in descriptors
            )
            assert match.similarity - match.runner_up_similarity >= 0.02


def test_a_text_below_the_threshold_or_without_a_clear_winner_is_not_linked() -> None:
    descriptors = [Descriptor("A", 1, "a"), Descriptor("B", 1, "b")]
    vectors = [[1.0, 0.0], [0.0, 1.0]]

    far, tie, clear = best_matches(
        [[0.1, 0.0], [0.6, 0.6], [0.9, 0.3]], descriptors, vectors, threshold=0.2, margin=0.05
    )

    assert far is None  # similarity 0.1 is under the threshold
    assert tie is None  # A and B are equally similar
    assert clear is not None and clear.competency == "A" and clear.level == 1
    assert clear.runner_up == "B"


def test_no_framework_links_nothing() -> None:
    (vector,) = HashingEmbedder().embed(["Great presentation"])
    assert best_matches([vector], [], []) == [None]


def test_kudos_count_as_strength_unless_their_words_say_otherwise() -> None:
    assert evidence_polarity("kudos", "Shipped the migration") == "strength"
    assert evidence_polarity("feedback", "Shipped the migration") == "neutral"
    assert evidence_polarity("kudos", "Your docs could be clearer") == "growth"
    assert evidence_polarity("feedback", "Your docs could be clearer") == "growth"
