"""Calling a chat model for a structured answer: JSON in, validated model out, one retry."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

Output = TypeVar("Output", bound=BaseModel)


class InvalidAnswer(ValueError):
    """The model's answer broke the contract (bad JSON, unknown citation, a name, …)."""


@dataclass(frozen=True)
class PromptSpec(Generic[Output]):
    """A prompt as data: its name, version, texts and the shape its answer must have."""

    name: str
    version: str
    system: str
    user_template: str
    output: type[Output]


def load_chat_model(spec: str) -> Any:
    """A langchain chat model from an id such as `openai:gpt-4.1-mini` or `ollama:llama3.2`.

    Imported lazily: langchain's model registry costs about a second at start-up.
    """
    from langchain.chat_models import init_chat_model

    return init_chat_model(spec, temperature=0)


def model_name(model: Any) -> str:
    """A short name of the model for provenance records."""
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def parse_json(content: Any, output: type[Output]) -> Output:
    """Parse a model's reply into `output`, tolerating a ```json fence around it."""
    raw = content if isinstance(content, str) else json.dumps(content)
    text = _FENCE.sub("", raw.strip()).strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise InvalidAnswer("the answer holds no JSON object")
    try:
        return output.model_validate_json(text[start : end + 1])
    except ValidationError as error:
        raise InvalidAnswer(
            f"the answer does not match {output.__name__}: {error.error_count()} problem(s)"
        ) from None


async def ask(
    model: Any,
    spec: PromptSpec[Output],
    variables: dict[str, str],
    validate: Callable[[Output], None],
    *,
    attempts: int = 2,
) -> Output | None:
    """Ask for a structured answer; validate it; retry once; None when no valid answer came.

    Args:
        validate: raises `InvalidAnswer` when the answer breaks a rule the schema can't express
            (citations must exist, no names, …).
    """
    messages = [("system", spec.system), ("human", spec.user_template.format(**variables))]
    for attempt in range(1, attempts + 1):
        try:
            reply = await model.ainvoke(messages)
            answer = parse_json(reply.content, spec.output)
            validate(answer)
            return answer
        except InvalidAnswer as problem:
            log.warning(
                "%s v%s: invalid answer on attempt %s (%s)",
                spec.name,
                spec.version,
                attempt,
                problem,
            )
            messages.append(
                ("human", f"Your answer was invalid: {problem}. Answer again with JSON only.")
            )
        except Exception as error:  # the provider failed: fall back, never crash the caller
            log.warning(
                "%s v%s: model call failed (%s)", spec.name, spec.version, type(error).__name__
            )
            return None
    return None
