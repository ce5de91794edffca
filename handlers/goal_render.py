"""How goals look: progress bars, a goal with its flags and buttons, SMART suggestions, forms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from handlers.messages import (
    Actions,
    Block,
    Button,
    Choice,
    Context,
    Form,
    Header,
    Input,
    Mention,
    Message,
    Section,
    Span,
    text,
)
from insights.goal_check import GoalFlags, Suggestion, format_date
from store.models import Goal, Person

# The first part is the Slack manifest's usage hint for /goal.
USAGE = "/goal [add | list | update <id> <progress>% | done <id>] · /goal edit <id> · /goal team"
ADD_USAGE = "/goal add [<objective> by YYYY-MM-DD]"
UPDATE_USAGE = "/goal update <id> <0-100>% [note]"
ADD_EXAMPLE = "/goal add Cut review turnaround from 3 days to 1 by 2027-03-31"
UPDATE_EXAMPLE = "/goal update 7 40% first draft reviewed"

# Buttons carry the goal id after a colon so each is unique in its message.
PROGRESS_BUTTON = "goal.progress"
EDIT_BUTTON = "goal.edit"
ADD_SUBMIT = "goal.submit.add"
PROGRESS_SUBMIT = "goal.submit.progress"
EDIT_SUBMIT = "goal.submit.edit"

NO_PARENT = "none"
STATUSES = ("active", "done", "dropped")
LEVEL_LABELS = {"personal": "Personal", "team": "Team", "company": "Company"}
BAR_CELLS = 10
MAX_CHOICE_LABEL = 70
MAX_LISTED = 12  # three blocks each, under Slack's 50 blocks a message
MAX_TEAM = 40


def progress_bar(progress: float) -> str:
    """A text progress bar such as "▰▰▰▱▱▱▱▱▱▱ 30%"."""
    share = min(max(progress, 0.0), 1.0)
    filled = round(share * BAR_CELLS)
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {share:.0%}"


def short(goal: Goal) -> str:
    """A goal named in one line: "#7 Cut review turnaround…"."""
    objective = goal.objective if len(goal.objective) <= 60 else goal.objective[:59] + "…"
    return f"#{goal.id} {objective}"


def who_may(goal: Goal, owner: str) -> str:
    """Who may change a goal, for the person who may not."""
    if goal.level == "team":
        return f"Only {owner}, the manager who owns team goal #{goal.id}, can update it."
    if goal.level == "company":
        return f"Only {owner}, who owns company goal #{goal.id}, or HR and admins can update it."
    return f"Only {owner}, whose personal goal it is, can update goal #{goal.id}."


def goal_blocks(
    goal: Goal, flags: GoalFlags | None, parent: Goal | None, *, buttons: bool
) -> list[Block]:
    """One goal: objective, progress, due date, key results, parent, flags and, for its owner,
    the Update progress and Edit buttons."""
    due = f"due {format_date(goal.due)}" if goal.due else "no due date"
    head = f"*{short(goal)}*  _{goal.level}_\n{progress_bar(goal.progress)} · {due}"
    if goal.status != "active":
        head += f" · {goal.status}"
    lines = [head, *(f"• {kr}" for kr in goal.key_results)]
    if parent is not None:
        lines.append(f"Part of {parent.level} goal {short(parent)}")
    blocks: list[Block] = [Section(text("\n".join(lines)))]
    labels = flags.labels() if flags else []
    if labels:
        blocks.append(Context(text(":warning: " + " · ".join(labels))))
    if buttons:
        blocks.append(
            Actions(
                (
                    Button("Update progress", f"{PROGRESS_BUTTON}:{goal.id}", str(goal.id)),
                    Button("Edit", f"{EDIT_BUTTON}:{goal.id}", str(goal.id)),
                )
            )
        )
    return blocks


def suggestion_blocks(goal: Goal, suggestions: Sequence[Suggestion]) -> list[Block]:
    """The SMART suggestions for a goal that was just saved (advice, never a block)."""
    if not suggestions:
        return [Context(text(":white_check_mark: It reads as a SMART goal: nothing to suggest."))]
    lines = [f"• *{s.criterion.capitalize()}* — {s.problem} {s.suggestion}" for s in suggestions]
    note = (
        "Your goal is saved as it is: these are suggestions, not blocks. "
        f"Change it any time with `/goal edit {goal.id}`."
    )
    heading = "*Suggestions to make it SMART*\n"
    return [Section(text(heading + "\n".join(lines))), Context(text(note))]


def unlinked_hint(goal: Goal) -> Block:
    """How to link a personal goal to a team or company goal."""
    return Context(
        text(
            ":link: Not linked to a team or company goal yet. Link it with "
            f"`/goal edit {goal.id}` and pick a parent goal, so your manager sees how it fits."
        )
    )


def team_section(person: Person, goals: Sequence[tuple[Goal, GoalFlags]]) -> Section:
    """One report's active goals, each with its progress and flags."""
    assert person.id is not None
    spans: list[Span] = [Mention(person.id, person.name)]
    if not goals:
        spans.append("\n_No active goals._")
    for goal, flags in goals:
        due = f" · due {format_date(goal.due)}" if goal.due else ""
        spans.append(f"\n*{short(goal)}*  {progress_bar(goal.progress)}{due}")
        labels = flags.labels()
        if labels:
            spans.append("\n    :warning: " + " · ".join(labels))
    return Section(tuple(spans))


def help_message() -> Message:
    """What /goal does and how to use it."""
    lines = (
        "*Goals* — objectives with key results, checked for SMART as you write them.\n"
        "• `/goal` or `/goal list` — your active goals, progress and flags\n"
        f"• `{ADD_USAGE}` — e.g. `{ADD_EXAMPLE}`; without text it opens a form. "
        "Due dates are ISO (YYYY-MM-DD).\n"
        f"• `{UPDATE_USAGE}` — e.g. `{UPDATE_EXAMPLE}`\n"
        "• `/goal done <id>` · `/goal edit <id>` — close or change a goal\n"
        "• `/goal team` — your reports' goals (managers)"
    )
    return Message("How to use /goal", (Section(text(lines)),))


def list_message(states: Sequence[tuple[Goal, GoalFlags]], parents: Mapping[int, Goal]) -> Message:
    """The requester's own active goals, each with its flags and buttons."""
    blocks: list[Block] = [Header("Your goals")]
    if not states:
        blocks.append(Section(text(f"You have no active goals. Add one: `{ADD_EXAMPLE}`")))
    for goal, flags in states[:MAX_LISTED]:
        parent = parents.get(goal.parent_id) if goal.parent_id else None
        blocks += goal_blocks(goal, flags, parent, buttons=True)
    more = f"And {len(states) - MAX_LISTED} more. " if len(states) > MAX_LISTED else ""
    tip = f"{more}Quick update: `/goal update <id> 40% note`. New goal: `/goal add`."
    blocks.append(Context(text(tip)))
    return Message("Your goals", tuple(blocks))


def saved_message(
    goal: Goal, parent: Goal | None, suggestions: Sequence[Suggestion], lead: str
) -> Message:
    """A goal just written, its SMART suggestions and, when it hangs loose, how to link it."""
    blocks: list[Block] = [Section(text(lead)), *goal_blocks(goal, None, parent, buttons=True)]
    blocks += suggestion_blocks(goal, suggestions)
    if goal.parent_id is None and goal.level != "company":
        blocks.append(unlinked_hint(goal))
    return Message(lead, tuple(blocks))


def progress_message(
    goal: Goal, flags: GoalFlags, parent: Goal | None, note: str, lead: str
) -> Message:
    """A goal whose progress was just recorded, with the note echoed back."""
    blocks: list[Block] = [Section(text(lead)), *goal_blocks(goal, flags, parent, buttons=False)]
    if note:
        blocks.append(Context(text(f"Your note: {note}")))
    return Message(lead, tuple(blocks))


def team_message(
    reports: Sequence[Person],
    states: Sequence[tuple[Goal, GoalFlags]],
    *,
    stale_weeks: int,
    direct_only: bool,
) -> Message:
    """A manager's reports and their active goals, with counts of what needs a look."""
    title = "Your direct reports' goals" if direct_only else "Your team's goals"
    blocks: list[Block] = [Header(title)]
    for person in reports[:MAX_TEAM]:
        blocks.append(team_section(person, [(g, f) for g, f in states if g.owner_id == person.id]))
    flags = [f for _, f in states]
    counts = (
        f"{len(states)} active goals · {sum(f.at_risk for f in flags)} behind schedule · "
        f"{sum(f.stale for f in flags)} without an update in {stale_weeks}+ weeks · "
        f"{sum(f.unlinked for f in flags)} not linked to a team or company goal."
    )
    more = f" And {len(reports) - MAX_TEAM} more people." if len(reports) > MAX_TEAM else ""
    blocks.append(Context(text(counts + more)))
    return Message(title, tuple(blocks))


def _parent_choices(parents: Sequence[Goal]) -> tuple[Choice, ...]:
    def label(goal: Goal) -> str:
        shown = f"{LEVEL_LABELS[goal.level]}: {short(goal)}"
        return shown if len(shown) <= MAX_CHOICE_LABEL else shown[: MAX_CHOICE_LABEL - 1] + "…"

    return (Choice("None", NO_PARENT), *(Choice(label(g), str(g.id)) for g in parents))


def _goal_fields(goal: Goal | None, parents: Sequence[Goal]) -> list[Block]:
    due = goal.due.isoformat() if goal and goal.due else ""
    parent = str(goal.parent_id) if goal and goal.parent_id else NO_PARENT
    return [
        Input(
            "Objective",
            "objective",
            placeholder="Cut review turnaround for the payments team from 3 days to 1",
            initial=goal.objective if goal else "",
        ),
        Input(
            "Key results (one per line)",
            "key_results",
            multiline=True,
            optional=True,
            placeholder="Median review time under 1 day\n90% of PRs reviewed the same day",
            initial="\n".join(goal.key_results) if goal else "",
        ),
        Input("Due date", "due", optional=True, kind="date", initial=due),
        Input(
            "Part of (a team or company goal)",
            "parent",
            optional=True,
            kind="select",
            choices=_parent_choices(parents),
            initial=parent,
        ),
    ]


def add_form(levels: Sequence[str], parents: Sequence[Goal]) -> Form:
    """The form behind `/goal add`."""
    blocks = _goal_fields(None, parents)
    blocks.append(
        Input(
            "Level",
            "level",
            kind="select",
            choices=tuple(Choice(LEVEL_LABELS[level], level) for level in levels),
            initial="personal",
        )
    )
    return Form("New goal", ADD_SUBMIT, tuple(blocks), submit_label="Save goal")


def edit_form(goal: Goal, parents: Sequence[Goal]) -> Form:
    """The form behind Edit and `/goal edit <id>`."""
    return Form(
        f"Edit goal #{goal.id}", EDIT_SUBMIT, tuple(_goal_fields(goal, parents)), str(goal.id)
    )


def progress_form(goal: Goal) -> Form:
    """The form behind Update progress."""
    blocks: tuple[Block, ...] = (
        Section(text(f"*{short(goal)}*\n{progress_bar(goal.progress)}")),
        Input("Progress (%)", "progress", kind="number", initial=str(round(goal.progress * 100))),
        Input(
            "Note", "note", multiline=True, optional=True, placeholder="What moved, what's stuck"
        ),
        Input(
            "Status",
            "status",
            kind="select",
            choices=tuple(Choice(s.capitalize(), s) for s in STATUSES),
            initial=goal.status if goal.status in STATUSES else "active",
        ),
    )
    return Form("Update progress", PROGRESS_SUBMIT, blocks, str(goal.id))
