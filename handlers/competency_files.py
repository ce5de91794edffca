"""Reading the competency framework (CSV or YAML) and the learning catalogue (CSV).

Each file is validated whole: every problem is reported with its line number and nothing is
returned (so nothing is imported) while any remains.

Framework CSV, one row per role and competency: `role,level,competency,descriptor` — the role
is expected at `level`, and `descriptor` says what that level of the competency looks like.
An empty role adds a descriptor no role is expected at. Framework YAML:

    competencies:
      - name: Communication
        description: Sharing information clearly.   # optional
        levels: {1: "Writes clear updates", 2: "Explains complex ideas simply"}
    roles:
      Engineer: {Communication: 2}
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import yaml

from handlers.calibration_files import FileRejected
from store.competencies import NewCompetency, NewExpectation, NewLearningItem

FRAMEWORK_COLUMNS = ("role", "level", "competency", "descriptor")
CATALOGUE_COLUMNS = ("title", "url", "competency", "level", "format", "duration")
MAX_LEVEL = 10


@dataclass
class Framework:
    """A validated framework file."""

    competencies: list[NewCompetency] = field(default_factory=list)
    expectations: list[NewExpectation] = field(default_factory=list)


def _level(value: object) -> int | None:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_LEVEL:
        return None
    return int(text)


def _csv(content: str, what: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise FileRejected(what, [f"line 1: missing column(s) {', '.join(missing)}"])
    rows = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        rows.append((reader.line_num, clean))
    if not rows:
        raise FileRejected(what, ["the file has no rows"])
    return rows


def parse_framework_csv(content: str) -> Framework:
    """A framework from CSV rows of role, level, competency, descriptor.

    Raises:
        FileRejected: with every bad row by line number (also conflicting descriptors or
            expectations for the same competency level or role).
    """
    problems: list[str] = []
    names: dict[str, str] = {}
    levels: dict[str, dict[int, tuple[str, int]]] = {}
    expected: dict[tuple[str, str], tuple[int, int]] = {}
    expected_roles: dict[tuple[str, str], str] = {}
    for line, row in _csv(content, "framework", FRAMEWORK_COLUMNS):
        name, descriptor, role = row["competency"], row["descriptor"], row["role"]
        level = _level(row["level"])
        bad = [
            *(["competency is empty"] if not name else []),
            *([f"level must be a whole number 1-{MAX_LEVEL}"] if level is None else []),
            *(["descriptor is empty"] if not descriptor else []),
            *(["competency is over 100 characters"] if len(name) > 100 else []),
            *(["descriptor is over 1000 characters"] if len(descriptor) > 1000 else []),
        ]
        if bad or level is None:
            problems.append(f"line {line}: " + "; ".join(bad))
            continue
        key = name.lower()
        names.setdefault(key, name)
        known = levels.setdefault(key, {}).get(level)
        if known is not None and known[0] != descriptor:
            problems.append(
                f"line {line}: {name} level {level} already has another descriptor "
                f"(line {known[1]})"
            )
        levels[key].setdefault(level, (descriptor, line))
        if role:
            seen = expected.get((role.lower(), key))
            if seen is not None and seen[0] != level:
                problems.append(
                    f"line {line}: {role} already expects level {seen[0]} in {name} "
                    f"(line {seen[1]})"
                )
            expected.setdefault((role.lower(), key), (level, line))
            expected_roles[(role.lower(), key)] = role
    if problems:
        raise FileRejected("framework", problems)
    return Framework(
        [
            NewCompetency(names[key], "", {lvl: d for lvl, (d, _) in by_level.items()})
            for key, by_level in levels.items()
        ],
        [
            NewExpectation(expected_roles[(role, key)], names[key], level)
            for (role, key), (level, _) in expected.items()
        ],
    )


def _scalar(node: yaml.Node | None) -> str:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def parse_framework_yaml(content: str) -> Framework:
    """A framework from YAML (the shape in this module's docstring).

    Raises:
        FileRejected: with every problem by line number.
    """
    try:
        root = yaml.compose(content, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise FileRejected("framework", [f"{where}not valid YAML"]) from None
    top = {_scalar(k): v for k, v in _mapping(root)}
    problems: list[str] = []
    competencies: dict[str, NewCompetency] = {}
    listed = top.get("competencies")
    if not isinstance(listed, yaml.SequenceNode) or not listed.value:
        line = _line(listed) if listed is not None else 1
        raise FileRejected("framework", [f"line {line}: `competencies:` must be a list"])
    for item in listed.value:
        fields = {_scalar(k): v for k, v in _mapping(item)}
        name = _scalar(fields.get("name"))
        if not name or len(name) > 100:
            problems.append(f"line {_line(item)}: each competency needs a name (≤ 100 characters)")
            continue
        if name.lower() in competencies:
            problems.append(f"line {_line(item)}: {name} is listed twice")
        levels: dict[int, str] = {}
        level_nodes = _mapping(fields.get("levels"))
        if not level_nodes:
            problems.append(f"line {_line(item)}: {name} needs `levels:` (level: descriptor)")
        for key, value in level_nodes:
            level, descriptor = _level(_scalar(key)), _scalar(value)
            if level is None or not descriptor or len(descriptor) > 1000:
                problems.append(
                    f"line {_line(key)}: {name} levels are a whole number 1-{MAX_LEVEL} "
                    "with a descriptor (≤ 1000 characters)"
                )
                continue
            levels[level] = descriptor
        description = _scalar(fields.get("description"))[:1000]
        competencies[name.lower()] = NewCompetency(name, description, levels)
    expectations: list[NewExpectation] = []
    for role_node, wanted in _mapping(top.get("roles")):
        role = _scalar(role_node)
        for key, value in _mapping(wanted):
            competency, level = _scalar(key), _level(_scalar(value))
            if competency.lower() not in competencies:
                problems.append(f"line {_line(key)}: {role} names unknown competency {competency}")
            elif level is None or level not in competencies[competency.lower()].levels:
                problems.append(
                    f"line {_line(value)}: {role} expects a level {competency} does not describe"
                )
            else:
                name = competencies[competency.lower()].name
                expectations.append(NewExpectation(role, name, level))
    if problems:
        raise FileRejected("framework", problems)
    return Framework(list(competencies.values()), expectations)


def parse_framework(content: str, filename: str) -> Framework:
    """A framework file, by its extension (.yaml/.yml, else CSV)."""
    if filename.lower().endswith((".yaml", ".yml")):
        return parse_framework_yaml(content)
    return parse_framework_csv(content)


def parse_catalogue(content: str, known: set[str]) -> list[NewLearningItem]:
    """A learning catalogue (`title,url,competency,level,format,duration`).

    Args:
        known: the framework's competency names, lower-cased (each row must name one).

    Raises:
        FileRejected: with every bad row by line number.
    """
    problems: list[str] = []
    items: list[NewLearningItem] = []
    seen: dict[str, int] = {}
    for line, row in _csv(content, "catalogue", CATALOGUE_COLUMNS):
        title, url, competency = row["title"], row["url"], row["competency"]
        level = _level(row["level"])
        bad = [
            *(["title is empty"] if not title or len(title) > 300 else []),
            *(
                ["url must start with http:// or https://"]
                if url and not url.startswith(("http://", "https://"))
                else []
            ),
            *(
                [f"unknown competency {competency or '(empty)'}"]
                if competency.lower() not in known
                else []
            ),
            *([f"level must be a whole number 1-{MAX_LEVEL}"] if level is None else []),
        ]
        key = url or f"{title.lower()}\x00{competency.lower()}"
        if key in seen:
            bad.append(f"same item as line {seen[key]}")
        seen.setdefault(key, line)
        if bad or level is None:
            problems.append(f"line {line}: " + "; ".join(bad))
            continue
        items.append(
            NewLearningItem(
                title,
                url,
                competency,
                level,
                row.get("format", "")[:60],
                row.get("duration", "")[:60],
            )
        )
    if problems:
        raise FileRejected("catalogue", problems)
    return items
