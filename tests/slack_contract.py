"""Check Web API calls recorded by the Slack stand-in against Slack's published OpenAPI spec.

The spec (``../shared/contracts/slack/slack_web_openapi_v2.json``, Swagger 2.0) dates from 2021:
parameters Slack added since are reported as warnings, never as problems. Tests that use these
helpers skip when the spec file is absent.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.slack.standin import RecordedCall

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared/contracts/slack/slack_web_openapi_v2.json"

# Tokens travel in the Authorization header, so the spec's ``token`` parameter never shows up.
IGNORED_PARAMS = frozenset({"token"})
# Not Web API methods: the stand-in records them alongside, the spec knows nothing of them.
NOT_WEB_API = frozenset({"response_url"})
# Methods Slack added after the spec was published, with their required parameters as Slack
# documents them; a call to one is a warning (unverifiable), but missing parameters still count.
NEWER_METHODS: Mapping[str, frozenset[str]] = {
    "files.getUploadURLExternal": frozenset({"filename", "length"}),
    "files.completeUploadExternal": frozenset({"files"}),
}


@dataclass(frozen=True)
class MethodSpec:
    """What the spec says about one method's parameters."""

    required: frozenset[str]
    known: frozenset[str]


@dataclass
class ContractResult:
    """Problems break the contract; warnings are things the 2021 spec cannot vouch for."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there are no problems."""
        return not self.problems


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> dict[str, MethodSpec]:
    """Method name → parameters from the spec; skips the calling test if the file is absent."""
    if not path.is_file():
        pytest.skip(f"Slack Web API spec not found at {path}")
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for route, operations in spec["paths"].items():
        # Each path holds one operation (get or post); merge in case a later spec has both.
        params = [p for op in operations.values() for p in op.get("parameters", [])]
        names = {p["name"] for p in params} - IGNORED_PARAMS
        required = {p["name"] for p in params if p.get("required")} - IGNORED_PARAMS
        methods[route.lstrip("/")] = MethodSpec(frozenset(required), frozenset(names))
    return methods


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def check_call(method: str, args: Mapping[str, Any]) -> ContractResult:
    """Compare one call with the spec: unknown method or missing required params are problems."""
    result = ContractResult()
    spec = load_spec().get(method)
    if spec is None and method in NEWER_METHODS:
        result.warnings.append(f"{method}: not in the 2021 spec; checked against Slack's docs")
        spec = MethodSpec(NEWER_METHODS[method], NEWER_METHODS[method])
    if spec is None:
        result.problems.append(f"{method}: no such Web API method in the spec")
        return result
    present = {k for k, v in args.items() if not _missing(v)} - IGNORED_PARAMS
    for name in sorted(spec.required - present):
        result.problems.append(f"{method}: required parameter {name!r} missing")
    for name in sorted(set(args) - spec.known - IGNORED_PARAMS):
        result.warnings.append(f"{method}: parameter {name!r} not in the 2021 spec")
    return result


def assert_calls_match_spec(calls: Iterable[RecordedCall]) -> list[str]:
    """Fail listing every problem in ``calls``; returns the warnings (``response_url`` skipped)."""
    problems: list[str] = []
    warnings: list[str] = []
    for index, call in enumerate(calls):
        if call.method in NOT_WEB_API:
            continue
        result = check_call(call.method, call.args)
        problems += [f"call #{index} {p}" for p in result.problems]
        warnings += [f"call #{index} {w}" for w in result.warnings]
    if problems:
        pytest.fail("Slack calls break the Web API contract:\n  " + "\n  ".join(problems))
    return warnings
