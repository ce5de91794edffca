"""/candor privacy and /candor ai: what Candor keeps, who sees it, and what AI did with your data.

`/candor privacy` is written for anyone, from the live configuration (minimum group size,
skip-level access, the AI engine, retention). `/candor ai` lists every AI output that used a
record the person gave or received, with its model, prompt version, date and which of *their*
records it used; other people's records are counted, never shown.
"""

from __future__ import annotations

import asyncio
from typing import Any

from handlers.audit import log_read
from handlers.messages import (
    Block,
    Citation,
    Context,
    Divider,
    Header,
    Message,
    Outgoing,
    Quote,
    Section,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import RequestContext, Services
from handlers.types import Command
from insights.anonymity import effective_min_group
from store.ai_outputs import PersonalAIOutput

SHOWN_OUTPUTS = 10
SHOWN_SOURCES = 8
VERB = {"given": "you gave", "received": "you received"}
KINDS = {"theme_summaries": "Theme labels and summaries for a themes digest"}


def _engine(services: Services) -> str:
    if services.llm is None:
        return (
            "This installation uses Candor's *offline engine*: themes and labels are computed "
            "on Candor's own server from key phrases, and no feedback leaves it."
        )
    from prompts.llm import model_name

    return (
        f"This installation uses the language model *{model_name(services.llm)}*. Only "
        "aggregate key phrases, counts and quotes that already passed the group-size rules "
        "are sent to it, with names removed. Its answers must fit a fixed structure and cite "
        "their sources, or they are thrown away and the offline engine's are used."
    )


def privacy_message(services: Services, commands: set[str]) -> Message:
    """What Candor stores, who sees what, and how AI is used, from the live configuration."""
    config = services.config
    k = effective_min_group(config.min_group)
    reach = (
        "their whole reporting line (skip-level)" if config.skip_level else "direct reports only"
    )
    retention = getattr(config, "retention_days", None)
    kept = (
        f"Kudos older than {retention} days, and AI outputs older than that, are deleted every day."
        if retention
        else "Records are kept until they are erased; your admin can set a retention period."
    )

    def cmd(name: str, what: str) -> str:
        return f"• `/{name}` — {what}" if name in commands else ""

    rights = [
        cmd("candor mydata", "a copy of everything Candor holds about you"),
        cmd("candor erase", "ask for your data to be erased (database and search index)"),
        cmd("candor ai", "every AI output that used your records, and which ones"),
    ]
    blocks: list[Block] = [
        Header("Candor and your privacy"),
        Section(
            text(
                "*What Candor stores*\n"
                "• The org directory: name, email, manager, department, title, role and chat ids, "
                "imported by HR.\n"
                "• Kudos: who gave them to whom, the words, company values and when.\n"
                "• Check-ins (answers, blockers, a 1–5 mood), goals, 1:1 schedules and agendas, "
                "and your own settings (mood sharing, time away, quiet hours).\n"
                "• Feedback: requested and unsolicited feedback, self-assessments, managers' "
                "private notes, and review drafts with every version and who decided on them.\n"
                "• AI outputs, each with its model, prompt version and the ids of the records "
                "it used.\n"
                "• An audit log of who read or changed what and when: ids and counts only.\n"
                "• Delivery keys, so no scheduled message is ever sent twice."
            )
        ),
        Section(
            text(
                "*Who sees what*\n"
                "• You: your own kudos and data, your mood trend, and every AI output that used "
                "your records; a review only after your manager approved it.\n"
                f"• Managers: for {reach}: kudos received, check-in answers and blockers (mood "
                "only if the person shares it), goals, feedback about them, and themes. Review "
                "drafts only for their own reports.\n"
                f"• HR: themes and counts for groups of at least {k} people, the audit log and "
                "the configuration. No private notes or raw check-in text.\n"
                "• Admins: run the server and choose the settings; in chat, what HR sees."
            )
        ),
        Section(
            text(
                f"*Small groups are never shown*\nNo theme, number or breakdown stands for fewer "
                f"than {k} people, a group that could be singled out by comparing two others is "
                "hidden, and quotes appear only where 10 or more people contributed, with names "
                "removed."
            )
        ),
        Section(
            text(
                "*How AI is used*\n"
                + _engine(services)
                + "\nAI never rates or ranks anyone and decides nothing. Nothing an AI writes "
                "reaches an employee without a person reviewing and approving it, and every "
                "AI sentence shows the records it rests on."
            )
        ),
        Section(text(f"*How long data is kept*\n{kept}")),
    ]
    lines = [r for r in rights if r]
    if lines:
        blocks.append(Section(text("*Your data, your rights*\n" + "\n".join(lines))))
    blocks.append(
        Context(
            text(
                "Every read of someone's individual data by a manager or HR, every AI output "
                "and every approval is in the audit log, which HR can export. Candor's logs hold "
                "ids and counts, never feedback text, names or emails."
            )
        )
    )
    return Message(summary="Candor and your privacy", blocks=tuple(blocks))


def _written(output: dict[str, Any]) -> list[str]:
    """The sentences an AI output holds (labels and summaries), for the person to read."""
    lines: list[str] = []
    for value in output.values():
        if isinstance(value, dict):
            label, summary = value.get("label"), value.get("summary") or value.get("text")
            parts = [str(p) for p in (label, summary) if isinstance(p, str) and p]
            if parts:
                lines.append(" — ".join(parts))
    return lines


def _visible(found: PersonalAIOutput) -> bool:
    # Drafts that wait for a person's approval are not shown before they are approved.
    status = found.output.output.get("status")
    return status is None or status == "approved"


def _describe(found: PersonalAIOutput) -> list[Block]:
    row = found.output
    kind = KINDS.get(row.kind, row.kind.replace("_", " ").capitalize())
    head = Section(
        text(
            f"*{kind}* · {row.created_at:%d %b %Y}\n"
            f"Model `{row.model}` · prompt `{row.prompt}` v{row.prompt_version}"
        )
    )
    sources = sorted(found.sources, key=lambda s: (s.at, s.record_id))
    cites = tuple(
        Citation(
            s.kind, s.record_id, f"{s.kind} #{s.record_id} {VERB[s.relation]}, {s.at:%d %b %Y}"
        )
        for s in sources[:SHOWN_SOURCES]
    )
    written = _written(row.output)[:5] or ["(no text to show)"]
    blocks: list[Block] = [head, Quote(text("\n".join(written)), cites)]
    more = len(found.sources) - len(cites)
    notes = [f"{more} more of your records." if more > 0 else ""]
    if found.other_inputs:
        notes.append(f"It also used {found.other_inputs} records about other people (not shown).")
    if any(notes):
        blocks.append(Context(text(" ".join(n for n in notes if n))))
    return blocks


async def ai_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/candor ai: every AI output that used the person's records, and the sources it used."""
    assert ctx.actor.id is not None
    found = await asyncio.to_thread(ctx.services.store.ai_outputs.concerning, ctx.actor.id)
    shown = [f for f in found if _visible(f)]
    log_read(
        ctx,
        "self",
        "ai_outputs",
        ctx.actor.id,
        {
            "outputs": [f.output.id for f in shown],
            "records": len({s.record_id for f in shown for s in f.sources}),
        },
    )
    blocks: list[Block] = [Header("AI outputs that used your records")]
    if not shown:
        blocks.append(Section(text("No AI output has used any record you gave or received.")))
    for number, item in enumerate(shown[:SHOWN_OUTPUTS]):
        if number:
            blocks.append(Divider())
        blocks.extend(_describe(item))
    if len(shown) > SHOWN_OUTPUTS:
        blocks.append(Context(text(f"And {len(shown) - SHOWN_OUTPUTS} older ones.")))
    blocks.append(
        Context(
            text(
                "Sources are your own records, by number and date. AI outputs never rate anyone; "
                "see `/candor privacy` for how AI is used here."
            )
        )
    )
    message = Message(summary="AI outputs that used your records", blocks=tuple(blocks))
    return [Outgoing(ToRequester(), message, "privacy.ai")]


def register(router: Router) -> None:
    """Add /candor privacy and /candor ai (everyone)."""

    async def show_privacy(command: Command, ctx: RequestContext) -> list[Outgoing]:
        # Read at request time: commands registered after this one (data rights) count too.
        message = privacy_message(ctx.services, set(router.commands))
        return [Outgoing(ToRequester(), message, "privacy")]

    router.command(
        "candor privacy",
        summary="What Candor keeps, who sees what, and how AI is used",
        usage="/candor privacy",
        examples=("/candor privacy",),
    )(show_privacy)
    router.command(
        "candor ai",
        summary="Every AI output that used your records, with its sources",
        usage="/candor ai",
        examples=("/candor ai",),
    )(ai_command)
