"""Adaptive Cards (and Teams message text) as safe HTML or plain text. Pure functions.

Card text is Adaptive Card markdown as Candor writes it (`bot/teams/render_adaptive.py`):
`**bold**`, `_italic_`, backslash escapes, and `<at>Name</at>` mentions. Everything is split
into markup and text first and every piece of text is escaped for HTML, so nothing a user typed
becomes markup in the page. Images are shown only when they are inline `data:` images (the
transcript loads nothing from outside); anything else is shown as its description.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

Card = Mapping[str, Any]

MAX_DEPTH = 8  # containers nested deeper than this are not drawn
_AT = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^()\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(
    r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"
)
_BULLET = re.compile(r"^[-*+] +")
_TOKEN = re.compile("\x00(\\d+)\x00")
_SAFE_LINK = ("http://", "https://", "mailto:")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")
_BUTTON_STYLES = {"positive": "primary", "destructive": "danger"}
_SIZES = {"small": "small", "medium": "medium", "large": "large", "extralarge": "large"}


def _mention_label(inner: str) -> str:
    # A mention shows the name inside the tag; stray tags in it are dropped, not rendered.
    return " ".join(re.sub(r"<[^>]*>", " ", html.unescape(inner)).split())


def _inline(value: str, as_html: bool) -> str:
    """One line of card markdown: mentions, escapes, links, bold and italic."""
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    def mention(match: re.Match[str]) -> str:
        label = "@" + _mention_label(match.group(1))
        return keep(f'<span class="mention">{html.escape(label)}</span>' if as_html else label)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if not as_html:
            return keep(label)
        if not url.lower().startswith(_SAFE_LINK):
            return keep(html.escape(label))
        return keep(
            f'<a href="{html.escape(url)}" rel="noopener noreferrer">{html.escape(label)}</a>'
        )

    value = value.replace("\x00", "")
    value = _AT.sub(mention, value)
    value = _ESCAPED.sub(lambda m: keep(html.escape(m.group(1)) if as_html else m.group(1)), value)
    value = _LINK.sub(link, value)
    if as_html:
        value = html.escape(value, quote=False)
        value = _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", value)
        value = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", value)
    else:
        value = _BOLD.sub(lambda m: m.group(1), value)
        value = _ITALIC.sub(lambda m: m.group(1) or m.group(2), value)
    while _TOKEN.search(value):
        value = _TOKEN.sub(lambda m: stash[int(m.group(1))], value)
    return value


def _paragraphs(value: str) -> list[str]:
    """Card markdown's paragraphs: a blank line breaks; a single newline is a space."""
    out = []
    for paragraph in re.split(r"\n\s*\n", value.strip()):
        lines = [line.strip() for line in paragraph.split("\n")]
        if any(_BULLET.match(line) for line in lines):
            out += ["• " + _BULLET.sub("", line) if _BULLET.match(line) else line for line in lines]
        else:
            out.append(" ".join(line for line in lines if line))
    return [p for p in out if p]


def markdown_to_html(value: str) -> str:
    """Adaptive Card markdown (a TextBlock's text) as an HTML fragment."""
    return "<br>".join(_inline(p, True) for p in _paragraphs(str(value)))


def markdown_to_plain(value: str) -> list[str]:
    """Adaptive Card markdown as lines of terminal text."""
    return [_inline(p, False) for p in _paragraphs(str(value))]


def teams_text_html(value: str) -> str:
    """What someone typed in Teams (plain text with `<at>` mentions) as an HTML fragment."""
    parts: list[str] = []
    position = 0
    for match in _AT.finditer(value):
        parts.append(html.escape(value[position : match.start()]))
        label = html.escape("@" + _mention_label(match.group(1)))
        parts.append(f'<span class="mention">{label}</span>')
        position = match.end()
    parts.append(html.escape(value[position:]))
    return "".join(parts).replace("\n", "<br>")


def teams_text_plain(value: str) -> str:
    """What someone typed in Teams, with `<at>Name</at>` shown as `@Name`."""
    return _AT.sub(lambda m: "@" + _mention_label(m.group(1)), value)


def safe_image_src(url: object) -> str | None:
    """The URL if it is an inline raster image (`data:image/png;base64,…`), else None."""
    text = str(url or "")
    return text if _DATA_IMAGE.fullmatch(text) else None


def image_html(url: object, alt: object) -> str:
    """An inline image, or its description when it would have to be fetched from elsewhere."""
    label = html.escape(str(alt or "image"))
    src = safe_image_src(url)
    if src is None:
        return f'<div class="context">[image: {label}]</div>'
    return f'<img class="card-image" src="{src}" alt="{label}">'


def _classes(element: Mapping[str, Any]) -> str:
    classes = ["tb"]
    if str(element.get("weight", "")).lower() == "bolder" or element.get("style") == "heading":
        classes.append("bold")
    size = _SIZES.get(str(element.get("size", "")).lower())
    if size:
        classes.append(size)
    if element.get("isSubtle"):
        classes.append("subtle")
    color = str(element.get("color", "")).lower()
    if color in ("good", "warning", "attention", "accent"):
        classes.append(color)
    return " ".join(classes)


def _items(elements: object) -> list[Mapping[str, Any]]:
    if not isinstance(elements, Sequence) or isinstance(elements, str):
        return []
    return [e for e in elements if isinstance(e, Mapping)]


def _button_html(action: Mapping[str, Any]) -> str:
    style = _BUTTON_STYLES.get(str(action.get("style", "")))
    css = f"button {style}" if style else "button"
    return f'<span class="{css}">{html.escape(str(action.get("title", "")))}</span>'


def element_to_html(element: Mapping[str, Any], depth: int = 0) -> str:
    """One card element (TextBlock, FactSet, Container, ActionSet, Image, …) as HTML."""
    kind = str(element.get("type", ""))
    if depth > MAX_DEPTH:
        return ""
    rule = "<hr>" if element.get("separator") else ""
    if kind == "TextBlock":
        text = markdown_to_html(str(element.get("text", "")))
        body = f'<div class="{_classes(element)}">{text}</div>'
    elif kind == "RichTextBlock":
        runs = [
            f"<strong>{html.escape(str(run.get('text', '')))}</strong>"
            if run.get("weight") == "Bolder"
            else html.escape(str(run.get("text", "")))
            for run in _items(element.get("inlines"))
        ]
        body = f'<div class="tb">{"".join(runs)}</div>'
    elif kind == "FactSet":
        rows = [
            f"<tr><th>{markdown_to_html(str(f.get('title', '')))}</th>"
            f"<td>{markdown_to_html(str(f.get('value', '')))}</td></tr>"
            for f in _items(element.get("facts"))
        ]
        body = f'<table class="facts">{"".join(rows)}</table>'
    elif kind in ("Container", "Column"):
        style = html.escape(str(element.get("style", "default")))
        inner = "".join(element_to_html(e, depth + 1) for e in _items(element.get("items")))
        body = f'<div class="container {style}">{inner}</div>'
    elif kind == "ColumnSet":
        columns = "".join(element_to_html(c, depth + 1) for c in _items(element.get("columns")))
        body = f'<div class="columns">{columns}</div>'
    elif kind == "Image":
        body = image_html(element.get("url"), element.get("altText"))
    elif kind == "ImageSet":
        body = "".join(
            image_html(i.get("url"), i.get("altText")) for i in _items(element.get("images"))
        )
    elif kind == "ActionSet":
        buttons = "".join(_button_html(a) for a in _items(element.get("actions")))
        body = f'<div class="actions">{buttons}</div>'
    elif kind.startswith("Input."):
        label = html.escape(str(element.get("label") or element.get("placeholder") or ""))
        body = f'<div class="input"><label>{label}</label><div class="box"></div></div>'
    else:
        body = f'<div class="context">[{html.escape(kind or "unknown")} element]</div>'
    return rule + body


def card_to_html(card: Card) -> str:
    """An Adaptive Card as an HTML fragment: its body, then its card-level actions."""
    body = "".join(element_to_html(e) for e in _items(card.get("body")))
    actions = _items(card.get("actions"))
    if actions:
        body += f'<div class="actions">{"".join(_button_html(a) for a in actions)}</div>'
    return f'<div class="card">{body}</div>'


def _indent(lines: list[str], mark: str) -> list[str]:
    return [mark + line for line in lines]


def element_to_plain(element: Mapping[str, Any], depth: int = 0) -> list[str]:
    """One card element as lines of terminal text."""
    kind = str(element.get("type", ""))
    if depth > MAX_DEPTH:
        return []
    rule = ["─" * 20] if element.get("separator") else []

    def each(items: object) -> list[str]:
        return [line for e in _items(items) for line in element_to_plain(e, depth + 1)]

    if kind == "TextBlock":
        lines = markdown_to_plain(str(element.get("text", "")))
    elif kind == "RichTextBlock":
        lines = ["".join(str(r.get("text", "")) for r in _items(element.get("inlines")))]
    elif kind == "FactSet":
        lines = [
            f"{' '.join(markdown_to_plain(str(f.get('title', ''))))}: "
            f"{' '.join(markdown_to_plain(str(f.get('value', ''))))}"
            for f in _items(element.get("facts"))
        ]
    elif kind in ("Container", "Column"):
        inner = each(element.get("items"))
        lines = _indent(inner, "│ ") if element.get("style") == "emphasis" else inner
    elif kind == "ColumnSet":
        lines = each(element.get("columns"))
    elif kind == "Image":
        lines = [f"[image: {element.get('altText') or 'image'}]"]
    elif kind == "ImageSet":
        lines = [f"[image: {i.get('altText') or 'image'}]" for i in _items(element.get("images"))]
    elif kind == "ActionSet":
        lines = [" ".join(f"[{a.get('title', '')}]" for a in _items(element.get("actions")))]
    elif kind.startswith("Input."):
        lines = [f"{element.get('label') or element.get('placeholder') or ''}: ______"]
    else:
        lines = [f"[{kind or 'unknown'} element]"]
    return rule + lines


def card_to_plain(card: Card) -> list[str]:
    """An Adaptive Card as lines of terminal text."""
    lines = [line for e in _items(card.get("body")) for line in element_to_plain(e)]
    actions = _items(card.get("actions"))
    if actions:
        lines.append(" ".join(f"[{a.get('title', '')}]" for a in actions))
    return lines
