"""The shape a Slack request body must have before Bolt and Candor read it.

Bolt builds its context from the body (team, user, channel, authorizations) and matches
listeners by indexing into it (`actions[0]`, `view.callback_id`) without checking types, so a
signed but malformed body would end in a 500. Slack itself never sends such bodies; whatever
does gets a 400 naming the field (never its content).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Fields Slack always sends as objects wherever they appear, with a string `id` if any.
_OBJECTS = ("team", "user", "channel", "enterprise", "container", "view", "event")
_NESTED_OBJECTS = ("message", "previous_message", "item", "assistant_thread", "function_data")
# Fields Slack always sends as strings; Bolt matches listeners on some of them.
_STRINGS = ("type", "command", "user_id", "team_id", "channel_id", "enterprise_id", "trigger_id")


def payload_problem(body: object) -> str | None:
    """Why `body` (a parsed Slack request) is not shaped like anything Slack sends, or None."""
    if not isinstance(body, Mapping):
        return "the body is not an object"
    problem = _fields(body, "")
    if problem:
        return problem
    event = body.get("event")
    if isinstance(event, Mapping):
        problem = _event_fields(event) or _typed(event, _NESTED_OBJECTS, Mapping, "event.")
        if problem:
            return problem
    kind = body.get("type")
    if kind == "block_actions":
        return _actions(body.get("actions"))
    if kind in ("view_submission", "view_closed"):
        return _view(body.get("view"))
    if kind in ("block_suggestion", "shortcut", "message_action"):
        key = "action_id" if kind == "block_suggestion" else "callback_id"
        return None if isinstance(body.get(key), str) else f"{key} is not a string"
    return None


def _fields(body: Mapping[str, Any], where: str) -> str | None:
    problem = _typed(body, _STRINGS, str, where) or _typed(body, _OBJECTS, Mapping, where)
    if problem:
        return problem
    for name in _OBJECTS:
        value = body.get(name)
        if isinstance(value, Mapping) and not isinstance(value.get("id", ""), str):
            return f"{where}{name}.id is not a string"
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, Mapping) for a in authorizations)
    ):
        return f"{where}authorizations is not a list of objects"
    return None


def _event_fields(event: Mapping[str, Any]) -> str | None:
    # Inside events `user`, `channel` and `team` are ids in most types (`message`,
    # `app_home_opened`) and objects in others (`team_join`, `channel_created`).
    problem = _typed(event, _STRINGS, str, "event.")
    if problem:
        return problem
    for name in _OBJECTS:
        value = event.get(name)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, Mapping):
            return f"event.{name} is neither an id nor an object"
        if not isinstance(value.get("id", ""), str):
            return f"event.{name}.id is not a string"
    return None


def _typed(body: Mapping[str, Any], names: tuple[str, ...], kind: type, where: str) -> str | None:
    for name in names:
        value = body.get(name)
        if value is not None and not isinstance(value, kind):
            return f"{where}{name} is not {'a string' if kind is str else 'an object'}"
    return None


def _actions(actions: object) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "actions is not a non-empty list"
    for action in actions:
        if not isinstance(action, Mapping) or not isinstance(action.get("action_id"), str):
            return "an action has no string action_id"
        option = action.get("selected_option")
        if option is not None and not isinstance(option, Mapping):
            return "selected_option is not an object"
    return None


def _view(view: object) -> str | None:
    if not isinstance(view, Mapping) or not isinstance(view.get("callback_id"), str):
        return "view has no string callback_id"
    if not isinstance(view.get("type"), str):  # Bolt tells workflow steps from modals by it
        return "view has no string type"
    state = view.get("state")
    if state is None:
        return None
    if not isinstance(state, Mapping):
        return "view.state is not an object"
    values = state.get("values") or {}
    if not isinstance(values, Mapping):
        return "view.state.values is not an object"
    for elements in values.values():
        if not isinstance(elements, Mapping) or not all(
            isinstance(e, Mapping) and isinstance(e.get("selected_option") or {}, Mapping)
            for e in elements.values()
        ):
            return "view.state.values holds something other than input elements"
    return None
