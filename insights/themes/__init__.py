"""Themes in feedback: clusters of embeddings with labels, polarity, reach and trend.

Pure computation on plain records (no I/O, no clock): ``find_themes`` takes feedback items
with precomputed unit embeddings and returns labelled themes. See ``bench/themes.py`` for
quality against DISAPERE aspects and BERTopic, and for timings at 100,000 items.
"""

from insights.themes.engine import find_themes
from insights.themes.model import FeedbackItem, Theme, ThemeResult
from insights.themes.polarity import ItemPolarity, item_polarity, polarity_cues

__all__ = [
    "FeedbackItem",
    "ItemPolarity",
    "Theme",
    "ThemeResult",
    "find_themes",
    "item_polarity",
    "polarity_cues",
]
