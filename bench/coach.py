"""Writing coach: precision and recall of its detectors on labelled data, next to trivial rules.

Run with ``python -m bench.coach``. Prints a table and writes ``.candor/bench/coach.json``.
Reads ``../shared/data/`` (skipped with a note when absent); nothing from it is stored.

What the labels are, honestly:

* **vague** and **personality** on opinions: 300 texts (the ``like`` and ``dislike`` fields
  of ``opinions/employee_opinions_dev.csv``) drawn with ``random.Random(2026)``, read and
  labelled by one reviewer (the AI assistant that wrote the detectors) *before* the detectors
  ran on them; the ids are listed below. The word lists were tuned on a disjoint sample
  (``random.Random(7)``) and on the training split of the language data.
  Vague = gives an evaluation or a non-answer without naming anything a reader could act on:
  only praise or blame words, stock objects (company, place, job, experience, everything) or
  no words ("Good company", "Nothing", "Yes", "."). Naming one aspect, even in one word
  ("Salary", "Job security", "Work culture"), is specific.
  Personality = judges a person or group by a character trait (nice, jolly, egoistic,
  narrow-minded) and says nothing about what they did.
* **personality** on biographies: every sentence of ``language/agency_val.csv`` (200, split by
  the rule in ``sentences``), labelled the same way, with ids ``row.sentence`` listed below.
  Positive = mainly about character: without its trait words it says nothing concrete (no
  role with a place or field, topic, action, publication or result).
* **gendered (communal wording)** on biographies: the dataset's own label (0 = communal,
  1 = agentic) for each whole text, on the validation split (held out) and the training split
  (where the word lists were checked). It measures the communal/agentic word lists; the coach
  itself additionally needs a text with little concrete content, which biographies never are,
  so its recall there is expected to be low.
* **gendered (coded words)**: no labelled data; reported as how often it fires on all 19,770
  opinion texts, with the ids it fired on, for review.

Each detector is compared with trivial rules in the same run: "fewer than 5 words" and "flag
everything" for vague; "has a trait word" (the lexicon without its rules) and "flag
everything" for personality; "flag everything" for communal wording.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from insights.coach import coach, communal_balance, is_personality, is_vague, words
from insights.coach_words import TRAITS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OPINIONS = DATA / "opinions" / "employee_opinions_dev.csv"
AGENCY = {split: DATA / "language" / f"agency_{split}.csv" for split in ("train", "val")}
SEED, SAMPLE = 2026, 300


def _ids(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


# Opinion texts are "<employeeID>l" (like) or "<employeeID>d" (dislike).
VAGUE_IDS = _ids(
    """2817d 12078d 10625l 283l 11561d 9386l 8419l 613l 8742l 13834l 11937l 9407l 12390d 6122d
    12228d 629d 13602l 5312d 2410d 11104l 11091d 13217d 9498d 6356d 14113d 10822d 12349l
    11026d 10808l 10357d 12154d 10693d 6297d 11763l 8770l 9708d 10658d 2857l 8434l 7392l
    12881l 5282l 6855d 3214d 4658d 8891l 9208l 13969l 10234l 5514d 12921d 9432d 4125l 1108l
    3824d 4414d 6451d 9067l 9808l 11051d 7774d 9635d 12865l 8294l 13269d 2603l 13119l 5070l
    13451l 6335d 13118l 6231d 10294l 8410d 7396l 6541d 9714l"""
)
OPINION_PERSONALITY_IDS = _ids("""5669l 114l 13520l 4344l""")
BIO_PERSONALITY_IDS = _ids(
    """0.4 3.1 3.3 6.2 6.3 6.4 8.1 8.2 8.3 9.1 9.4 10.3 12.1 12.3 13.2 13.4 14.4 16.2 17.3 18.4
    20.1 21.3 23.0 23.4 26.2 34.1 34.5 42.1 42.4 46.2 47.1"""
)

_BOUNDARY = re.compile(r'(?<=[.!?…])\s+(?=[A-Z"“(])')
_ABBREVIATION = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|Ph\.D|U\.S|Inc|Co|vs|etc|No)|\b[A-Z])\.$"
)


def sentences(text: str) -> list[str]:
    """Split at . ! ? before a capital, except after titles and initials ("Dr.", "John C.")."""
    out: list[str] = []
    for piece in _BOUNDARY.split(text.strip()):
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def opinion_texts(path: Path) -> list[tuple[str, str]]:
    """Every non-empty like/dislike text as (id, text), in file order."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return [
        (f"{row['employeeID']}{field[0]}", row[field])
        for row in rows
        for field in ("like", "dislike")
        if (row[field] or "").strip()
    ]


def agency(path: Path) -> list[tuple[str, int]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"], int(row["label"])) for row in csv.DictReader(handle)]


def scores(predicted: Sequence[bool], truth: Sequence[bool]) -> dict[str, Any]:
    """Precision, recall and F1 of `predicted` against `truth` (None where undefined)."""
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    flagged, positives = sum(predicted), sum(truth)
    precision = tp / flagged if flagged else None
    recall = tp / positives if positives else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "n": len(truth),
        "positives": positives,
        "flagged": flagged,
        "true_positives": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def _rows(
    texts: Sequence[str], truth: Sequence[bool], rules: dict[str, Callable[[str], bool]]
) -> dict[str, Any]:
    return {name: scores([rule(t) for t in texts], truth) for name, rule in rules.items()}


def _short(text: str) -> bool:
    return len(text.split()) < 5


def _has_trait_word(text: str) -> bool:
    return any(w in TRAITS for w in words(text))


def _everything(text: str) -> bool:
    return True


def _communal_leaning(text: str) -> bool:
    communal, agentic = communal_balance(text)
    return len(communal) > len(agentic)


def _coach_says_gendered(text: str) -> bool:
    return any(h.kind == "gendered" for h in coach(text))


def opinions_report(path: Path) -> dict[str, Any]:
    """Vague and personality on the labelled sample; how often each hint fires on all texts."""
    items = opinion_texts(path)
    sample = random.Random(SEED).sample(items, SAMPLE)
    ids = {i for i, _ in sample}
    missing = (VAGUE_IDS | OPINION_PERSONALITY_IDS) - ids
    if missing:
        raise SystemExit(f"the labelled sample changed (ids not drawn: {sorted(missing)[:5]})")
    texts = [t for _, t in sample]
    vague = _rows(
        texts,
        [i in VAGUE_IDS for i, _ in sample],
        {"coach.is_vague": is_vague, "fewer than 5 words": _short, "flag everything": _everything},
    )
    personality = _rows(
        texts,
        [i in OPINION_PERSONALITY_IDS for i, _ in sample],
        {
            "coach.is_personality": is_personality,
            "has a trait word": _has_trait_word,
            "flag everything": _everything,
        },
    )
    start = time.perf_counter()
    hints = [(i, coach(t)) for i, t in items]
    seconds = time.perf_counter() - start
    fired = {
        kind: sorted(i for i, found in hints if any(h.kind == kind for h in found))
        for kind in ("vague", "personality", "gendered")
    }
    return {
        "sample": {"seed": SEED, "size": SAMPLE, "vague": vague, "personality": personality},
        "all_texts": {
            "n": len(items),
            "fires": {kind: len(found) for kind, found in fired.items()},
            "gendered_ids": fired["gendered"],
            "texts_per_second": round(len(items) / seconds),
        },
    }


def bios_report(paths: dict[str, Path]) -> dict[str, Any]:
    """Personality on validation sentences; communal wording on whole texts, both splits."""
    val = agency(paths["val"])
    split = [
        (f"{r}.{s}", text)
        for r, (bio, _) in enumerate(val)
        for s, text in enumerate(sentences(bio))
    ]
    report: dict[str, Any] = {
        "personality_sentences": _rows(
            [t for _, t in split],
            [i in BIO_PERSONALITY_IDS for i, _ in split],
            {
                "coach.is_personality": is_personality,
                "has a trait word": _has_trait_word,
                "flag everything": _everything,
            },
        )
    }
    for name, path in paths.items():
        rows = agency(path)
        report[f"communal_{name}"] = _rows(
            [t for t, _ in rows],
            [label == 0 for _, label in rows],
            {
                "communal > agentic words": _communal_leaning,
                "coach gendered hint": _coach_says_gendered,
                "flag everything": _everything,
            },
        )
    return report


def _number(value: float | None) -> str:
    return "   —" if value is None else f"{value:.2f}"


def print_report(report: dict[str, Any]) -> None:
    tables: list[tuple[str, dict[str, Any]]] = []
    opinions = report.get("opinions", {})
    if "sample" in opinions:
        tables += [
            ("vague · opinions sample", opinions["sample"]["vague"]),
            ("personality · opinions sample", opinions["sample"]["personality"]),
        ]
    bios = report.get("bios", {})
    if "personality_sentences" in bios:
        tables += [
            ("personality · bio sentences (val)", bios["personality_sentences"]),
            ("communal wording · bios val (held out)", bios["communal_val"]),
            ("communal wording · bios train (lists checked here)", bios["communal_train"]),
        ]
    print(f"{'detector / rule':<44} {'n':>5} {'pos':>5} {'flag':>5} {'P':>5} {'R':>5} {'F1':>5}")
    for title, rows in tables:
        print(title)
        for name, s in rows.items():
            print(
                f"  {name:<42} {s['n']:>5} {s['positives']:>5} {s['flagged']:>5} "
                f"{_number(s['precision']):>5} {_number(s['recall']):>5} {_number(s['f1']):>5}"
            )
    if "all_texts" in opinions:
        every = opinions["all_texts"]
        fires = ", ".join(f"{k} {v}" for k, v in every["fires"].items())
        print(
            f"\nall {every['n']} opinion texts: hints fired — {fires} "
            f"({every['texts_per_second']:,} texts/s)"
        )
        print(f"gendered fired on: {', '.join(every['gendered_ids']) or 'none'}")
    for key in ("opinions", "bios"):
        if "skipped" in report.get(key, {}):
            print(f"{key} skipped: {report[key]['skipped']}")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the table and write the JSON report.

    Args:
        argv: Command-line arguments (defaults to ``sys.argv``).

    Returns:
        The report that was written.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / ".candor" / "bench" / "coach.json")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    if OPINIONS.is_file():
        report["opinions"] = opinions_report(OPINIONS)
    else:
        report["opinions"] = {"skipped": f"{OPINIONS} not found (../shared/data is absent)"}
    if all(p.is_file() for p in AGENCY.values()):
        report["bios"] = bios_report(AGENCY)
    else:
        report["bios"] = {"skipped": "../shared/data/language/agency_*.csv not found"}
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return report


if __name__ == "__main__":
    main()
