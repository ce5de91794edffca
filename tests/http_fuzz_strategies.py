"""Hypothesis strategies for tests/test_http_fuzz.py: Slack commands, interactions and events,
and Teams activities, mostly shaped as the platforms send them and sometimes not at all."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

from handlers.catalog import build_router
from tests.teams_fixtures import load

ROUTER = build_router()
SLACK_USER_IDS = ("U0LI", "U0SAM", "U0HANA", "U0GUEST", "U0DEPLOYBOT", "U0NOBODY", "")
# Text that has broken parsers elsewhere: markup, escapes, direction marks, controls, emoji.
EVENT_TYPES = ("app_home_opened", "team_join", "message", "app_uninstalled", "tokens_revoked")
EVENT_TYPES += ("reaction_added", "nope")
ODD_TEXTS = (
    "",
    "help",
    "<@U0NOBODY|ghost> for nothing",
    "<@> <#> <!> <@U0SAM|",
    "<<@U0SAM>> &amp;lt; &#0; &",
    "\u202egnikcab\u202c \u200f\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "\x00\x01\x07\x1b[31m\r\n\t",
    "🙂👩🏽‍💻🏳️‍🌈 #💥 #" + "a" * 300,
    "é" * 40_000,
    "add\u00a0\u2028\u2029 x",
)
words = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
texts = st.one_of(st.sampled_from(ODD_TEXTS), words)
# Anything JSON can hold, for fields whose type Candor should not trust.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=6,
)
action_ids = st.one_of(
    st.sampled_from(sorted(ROUTER.actions)),
    st.sampled_from(sorted(ROUTER.actions)).map(lambda a: a + ":" + uuid.uuid4().hex[:4]),
    words,
)


def maybe_wrong(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field as Slack sends it (mostly), or of any other JSON type."""
    return st.one_of(value, value, value, value, value, json_values)


def _action(action_id: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    fields = {"action_id": maybe_wrong(action_id)}
    optional = {
        "value": maybe_wrong(texts),
        "type": st.sampled_from(["button", "static_select", "overflow", "weird"]),
        "action_ts": maybe_wrong(st.just("1762074001.000100")),
        "block_id": words,
        "selected_option": maybe_wrong(st.fixed_dictionaries({"value": words})),
    }
    return maybe_wrong(st.fixed_dictionaries(fields, optional=optional))


def _view(callback_id: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    element = st.fixed_dictionaries(
        {"type": st.sampled_from(["plain_text_input", "datepicker", "static_select", "odd"])},
        optional={
            "value": maybe_wrong(texts),
            "selected_date": maybe_wrong(st.sampled_from(["2026-11-30", "2026-02-30", "soon"])),
            "selected_option": maybe_wrong(st.fixed_dictionaries({"value": words})),
        },
    )
    values = st.dictionaries(words, st.dictionaries(words, maybe_wrong(element), max_size=2))
    optional = {
        "id": maybe_wrong(st.just("V0FUZZ")),
        "hash": words,
        "team_id": maybe_wrong(st.just("T0CANDOR")),
        "private_metadata": maybe_wrong(texts),
        "state": maybe_wrong(st.fixed_dictionaries({"values": maybe_wrong(values)})),
    }
    required = {"callback_id": maybe_wrong(callback_id), "type": st.just("modal")}
    return maybe_wrong(st.fixed_dictionaries(required, optional=optional))


def _interaction(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    required: dict[str, st.SearchStrategy[Any]] = {
        "type": st.just(kind),
        "user": st.fixed_dictionaries({"id": st.sampled_from(SLACK_USER_IDS)}),
    }
    if kind == "block_actions":
        required["actions"] = maybe_wrong(st.lists(_action(action_ids), min_size=1, max_size=2))
    elif kind == "view_submission":
        required["view"] = _view(action_ids)
    optional: dict[str, st.SearchStrategy[Any]] = {
        "team": maybe_wrong(st.fixed_dictionaries({"id": st.just("T0CANDOR")})),
        "channel": maybe_wrong(st.fixed_dictionaries({"id": st.just("C0GENERAL")})),
        "container": maybe_wrong(st.fixed_dictionaries({"channel_id": st.just("C0GENERAL")})),
        "trigger_id": maybe_wrong(st.just("t1")),
        "response_url": st.just("RESPONSE_URL"),
        "api_app_id": st.just("A0CANDOR"),
        "extra": json_values,
    }
    return st.fixed_dictionaries(required, optional=optional)


interactions = st.one_of(
    _interaction("block_actions"),
    _interaction("view_submission"),
    st.sampled_from(
        ["view_closed", "block_suggestion", "shortcut", "message_action", "odd"]
    ).flatmap(_interaction),
)


events = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("event_callback")},
        optional={
            "team_id": maybe_wrong(st.just("T0CANDOR")),
            "api_app_id": st.just("A0CANDOR"),
            "event_id": maybe_wrong(st.just("Ev0FUZZ")),
            "event_time": json_values,
            "authorizations": json_values,
            "event": maybe_wrong(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(EVENT_TYPES) | words},
                    optional={
                        "user": maybe_wrong(st.sampled_from(SLACK_USER_IDS)),
                        "channel": maybe_wrong(st.just("D0LI")),
                        "channel_type": st.sampled_from(["im", "channel"]),
                        "tab": st.sampled_from(["home", "messages", "odd"]),
                        "text": maybe_wrong(texts),
                        "subtype": st.sampled_from(["bot_message", "message_changed"]),
                        "bot_id": st.just("B0"),
                        "tokens": json_values,
                        "ts": st.just("1762074001.000100"),
                    },
                )
            ),
        },
    ),
    st.fixed_dictionaries(
        {"type": st.just("url_verification"), "challenge": maybe_wrong(words)},
        optional={"token": words},
    ),
    st.fixed_dictionaries({"type": maybe_wrong(words)}, optional={"event": json_values}),
    json_values,
)


TEAMS_COMMANDS = [*ROUTER.top_level, "help", "?", "hello", "/kudos", ""]
ACTIVITY_TYPES = ("message", "invoke", "conversationUpdate", "installationUpdate", "typing")
ACTIVITY_TYPES += ("messageReaction", "event", "endOfConversation", "odd")
activity_types = st.sampled_from(ACTIVITY_TYPES)
invoke_values = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "action": maybe_wrong(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["Action.Execute", "Action.Submit", "odd"])},
                    optional={"verb": maybe_wrong(action_ids), "data": json_values},
                )
            )
        },
        optional={"trigger": words},
    ),
)


@st.composite
def activities(draw: st.DrawFn) -> dict[str, Any]:
    """A fixture activity with any type, any text, fields dropped and fields of other types."""
    base = draw(st.sampled_from(["personal_message", "channel_message", "invoke_action_execute"]))
    activity = load(base)
    activity["type"] = draw(maybe_wrong(activity_types))
    command = draw(st.sampled_from(TEAMS_COMMANDS))
    activity["text"] = draw(maybe_wrong(texts.map(lambda t: f"{command} {t}")))
    if activity["type"] == "invoke":
        activity["name"] = draw(maybe_wrong(st.sampled_from(["adaptiveCard/action", "odd"])))
        activity["value"] = draw(invoke_values)
    for key in draw(st.lists(st.sampled_from(sorted(activity)), max_size=4, unique=True)):
        if key != "serviceUrl":  # it is where replies go: keep them on the stand-in
            activity[key] = draw(st.sampled_from([None, "x", 7, [], {}]) | st.just(...))
    activity = {k: v for k, v in activity.items() if v is not ...}
    if isinstance(activity.get("conversation"), dict):
        activity["conversation"]["id"] = f"a:1fuzz{draw(st.integers(0, 10**9))}"
    if draw(st.booleans()):
        activity["from"] = {"id": "29:1stranger", "name": "Stranger"}
    return activity
