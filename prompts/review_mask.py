"""Masking evidence before it leaves for a language model, and unmasking what comes back.

Names become PERSON_1 (the person reviewed), PERSON_2, …; email addresses EMAIL_1, …; the
characters that could close a delimiter (`<`, `>`, `&`) are entity-escaped; text that already
looks like a placeholder is lower-cased so it can't pose as one. Every change is remembered as
a piece, so a quote the model copies from the masked text maps back to the exact original.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\b(?:PERSON|EMAIL)_\d+\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class Masked:
    """One text as sent, and the pieces that changed: (sent start, sent end, original)."""

    original: str
    sent: str
    changed: tuple[tuple[int, int, int, int], ...]  # sent start, sent end, orig start, orig end

    def original_of(self, quote: str) -> str | None:
        """The original text behind a verbatim piece of the sent text, or None."""
        start = self.sent.find(quote)
        if start < 0 or not quote:
            return None
        begin, end = self._map(start), self._map(start + len(quote))
        if begin is None or end is None:
            return None  # the quote cuts a placeholder in half
        return self.original[begin:end]

    def _map(self, position: int) -> int | None:
        shift = 0
        for sent_start, sent_end, _, orig_end in self.changed:
            if position <= sent_start:
                break
            if position < sent_end:
                return None
            shift = orig_end - sent_end
        return position + shift


class Masker:
    """Placeholders for the people of one draft, consistent across all its records.

    PERSON_1 is the subject, also under any longer name that holds all of the subject's words
    ("Li" and "Li Wei"); everyone else in `names` gets PERSON_2, … in id order.
    """

    def __init__(self, subject: str, names: Mapping[int, str]) -> None:
        self.people: dict[str, str] = {"PERSON_1": subject}
        self.emails: dict[str, str] = {}
        variants: dict[str, str] = {}
        self._add(variants, subject, "PERSON_1")
        n = 1
        own = set(_WORD.findall(subject.casefold()))
        for person_id in sorted(names):
            name = names[person_id]
            if not name.strip():
                continue
            if own and own <= set(_WORD.findall(name.casefold())):
                self._add(variants, name, "PERSON_1")  # the subject, by a longer name
                continue
            n += 1
            self.people[f"PERSON_{n}"] = name
            self._add(variants, name, f"PERSON_{n}")
        self._variants = variants
        alternatives = "|".join(
            r"\s+".join(re.escape(part) for part in variant.split())
            for variant in sorted(variants, key=lambda v: (-len(v), v))
        )
        names_pattern = rf"(?<!\w)(?:{alternatives})(?!\w)" if alternatives else r"(?!x)x"
        self._pattern = re.compile(
            rf"(?P<email>{_EMAIL.pattern})|(?P<name>{names_pattern})"
            rf"|(?P<fake>{PLACEHOLDER.pattern})|(?P<escape>[<>&])",
            re.IGNORECASE,
        )

    @staticmethod
    def _add(variants: dict[str, str], name: str, placeholder: str) -> None:
        words = _WORD.findall(name)
        for variant in [" ".join(words), *words]:
            if len(variant) >= 2:
                variants.setdefault(variant.casefold(), placeholder)

    def mask(self, text: str) -> Masked:
        """The text with names, emails and delimiter characters replaced."""
        sent: list[str] = []
        changed: list[tuple[int, int, int, int]] = []
        last = length = 0
        for match in self._pattern.finditer(text):
            sent.append(text[last : match.start()])
            length += match.start() - last
            if match.group("email"):
                replacement = self._email(match.group(0))
            elif match.group("name"):
                replacement = self._variants[" ".join(match.group(0).split()).casefold()]
            elif match.group("fake"):
                replacement = match.group(0).lower()
            else:
                replacement = _ESCAPES[match.group(0)]
            sent.append(replacement)
            changed.append((length, length + len(replacement), match.start(), match.end()))
            length += len(replacement)
            last = match.end()
        sent.append(text[last:])
        return Masked(text, "".join(sent), tuple(changed))

    def _email(self, address: str) -> str:
        for placeholder, known in self.emails.items():
            if known.casefold() == address.casefold():
                return placeholder
        placeholder = f"EMAIL_{len(self.emails) + 1}"
        self.emails[placeholder] = address
        return placeholder

    def unmask(self, text: str) -> str:
        """Model text with person placeholders restored and entities decoded."""
        text = PLACEHOLDER.sub(lambda m: self.people.get(m.group(0), m.group(0)), text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
