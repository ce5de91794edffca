"""Slack mrkdwn as safe HTML or as plain text: pure functions for the demo's transcript.

Slack text arrives with its own escaping (`&amp;`, `&lt;`, `&gt;`) and with markup in angle
brackets (`<@U123>`, `<#C1|general>`, `<https://x|label>`). Everything is split into markup
and text first; text is un-escaped from Slack's form and escaped for HTML before any
formatting is applied, so user text can never become markup in the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

# The shortcodes Candor's messages use; others stay as typed.
EMOJI = {
    "tada": "🎉",
    "sparkles": "✨",
    "raised_hands": "🙌",
    "warning": "⚠️",
    "face_with_head_bandage": "🤕",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "wave": "👋",
    "bulb": "💡",
    "construction": "🚧",
    "dart": "🎯",
    "chart_with_upwards_trend": "📈",
    "white_check_mark": "✅",
    "hourglass_flowing_sand": "⏳",
    "gear": "⚙️",
    "link": "🔗",
    "pencil2": "✏️",
}

_MARKUP = re.compile(r"<([^<>]*)>")
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
_CODE = re.compile(r"`([^`\n]+)`")
# Slack formats only at word edges: `2*3*4` and snake_case_names stay as they are.
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_QUOTE = re.compile(r"^(?:&gt;|>) ?")
_TOKEN = re.compile("\x00(\\d+)\x00")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")

Names = Mapping[str, str]
"""Slack user or channel id → the name to show."""


def unescape_slack(value: str) -> str:
    """Undo Slack's escaping of the three characters it reserves for markup."""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emojize(value: str) -> str:
    """`:tada:` → 🎉 for the shortcodes Candor uses."""
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), value)


def _markup_label(inner: str, names: Names) -> tuple[str, str | None]:
    """What a `<…>` shows, and the link it points to (None if it is not a link)."""
    target, _, label = inner.partition("|")
    label = unescape_slack(label)
    if target.startswith("@"):
        return "@" + (names.get(target[1:]) or label.lstrip("@") or target[1:]), None
    if target.startswith("#"):
        return "#" + (label or names.get(target[1:]) or target[1:]), None
    if target.startswith("!"):
        # !here, !channel, user groups and dates: Slack shows the label or the keyword.
        return label or "@" + target[1:].split("^")[0], None
    url = unescape_slack(target)
    if url.lower().startswith(_SAFE_SCHEMES):
        return label or url, url
    return "<" + unescape_slack(inner) + ">", None  # not markup Slack knows: shown as typed


def _split(value: str) -> list[tuple[str, bool]]:
    """(chunk, is_markup) pairs: text between markup, and the inside of each `<…>`."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _MARKUP.finditer(value):
        parts.append((value[position : match.start()], False))
        parts.append((match.group(1), True))
        position = match.end()
    parts.append((value[position:], False))
    return parts


def _format(value: str, wrap: Callable[[str, str], str], stash: list[str]) -> str:
    """Apply code, bold, italic, strike and emoji; `wrap(tag, inner)` writes each span."""

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    # Code first, set aside so nothing inside it is formatted.
    value = _CODE.sub(lambda m: keep(wrap("code", m.group(1))), value)
    value = _BOLD.sub(lambda m: wrap("strong", m.group(1)), value)
    value = _ITALIC.sub(lambda m: wrap("em", m.group(1)), value)
    value = _STRIKE.sub(lambda m: wrap("del", m.group(1)), value)
    value = emojize(value)
    # Stashed fragments may hold tokens of their own (a mention inside code): restore
    # until none is left; each pass replaces at least one, so this ends.
    while _TOKEN.search(value):
        value = _TOKEN.sub(lambda m: stash[int(m.group(1))], value)
    return value


def _inline_html(line: str, names: Names) -> str:
    stash: list[str] = []
    out: list[str] = []
    for chunk, is_markup in _split(line):
        if not is_markup:
            out.append(html.escape(unescape_slack(chunk)))
            continue
        label, url = _markup_label(chunk, names)
        if url is not None:
            fragment = (
                f'<a href="{html.escape(url)}" rel="noopener noreferrer">{html.escape(label)}</a>'
            )
        elif chunk.startswith(("@", "#", "!")):
            fragment = f'<span class="mention">{html.escape(label)}</span>'
        else:
            fragment = html.escape(label)
        stash.append(fragment)
        out.append(f"\x00{len(stash) - 1}\x00")
    return _format("".join(out), lambda tag, inner: f"<{tag}>{inner}</{tag}>", stash)


def _inline_plain(line: str, names: Names) -> str:
    stash: list[str] = []
    out: list[str] = []
    for chunk, is_markup in _split(line):
        if is_markup:
            stash.append(_markup_label(chunk, names)[0])
            out.append(f"\x00{len(stash) - 1}\x00")
        else:
            out.append(unescape_slack(chunk))
    # Plain text keeps the backticks (they mark commands) and drops the other markers.
    return _format("".join(out), lambda tag, inner: f"`{inner}`" if tag == "code" else inner, stash)


def _clean(value: str) -> str:
    # NUL is the stash marker; it has no business in a chat message anyway.
    return value.replace("\x00", "")


def mrkdwn_to_html(value: str, names: Names | None = None) -> str:
    """Slack mrkdwn as an HTML fragment: escaped text, formatting, mentions, quotes.

    Args:
        value: mrkdwn as Slack receives it (Slack-escaped, with `<…>` markup).
        names: id → display name, for `<@U…>` and `<#C…>`.
    """
    names = names or {}
    html_parts: list[str] = []
    quoted: list[str] = []
    plain: list[str] = []

    def flush_plain() -> None:
        if plain:
            html_parts.append("<br>".join(plain))
            plain.clear()

    def flush_quote() -> None:
        if quoted:
            html_parts.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
            quoted.clear()

    for line in _clean(value).split("\n"):
        marker = _QUOTE.match(line)
        if marker:
            flush_plain()
            quoted.append(_inline_html(line[marker.end() :], names))
        else:
            flush_quote()
            plain.append(_inline_html(line, names))
    flush_plain()
    flush_quote()
    return "".join(html_parts)


def mrkdwn_to_plain(value: str, names: Names | None = None) -> str:
    """Slack mrkdwn as terminal text: @Names, emoji, `│ ` before quoted lines."""
    names = names or {}
    lines = []
    for line in _clean(value).split("\n"):
        marker = _QUOTE.match(line)
        body = line[marker.end() :] if marker else line
        lines.append(("│ " if marker else "") + _inline_plain(body, names))
    return "\n".join(lines)
