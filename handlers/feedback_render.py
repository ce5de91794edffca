"""What /feedback shows: usage, the request DMs, the forms, and the messages about answers.

Feedback text only ever appears in a `Quote` citing its record, and only to the people the
flow allows: the subject's manager, and the subject where the author chose to share it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from handlers.coach_hints import coach_reply
from handlers.meetings import day_text
from handlers.messages import (
    Actions,
    Block,
    Button,
    Choice,
    Citation,
    Context,
    Form,
    Header,
    Input,
    Mention,
    Message,
    Quote,
    Section,
    Text,
    text,
)
from insights.coach import CoachHint
from store.models import Feedback, FeedbackRequest, Person

REQUEST_USAGE = "/feedback request @person [@person …] about <topic>"
REQUEST_EXAMPLE = "/feedback request @li @sam about the billing migration"
GIVE_USAGE = "/feedback give @person"
GIVE_EXAMPLE = "/feedback give @sam"
PENDING_USAGE = "/feedback pending"
USAGE = f"{REQUEST_USAGE} | {GIVE_USAGE} | {PENDING_USAGE}"

OPEN_ACTION = "feedback.open"  # a request's "Give feedback" button: opens the answer form
DECLINE_ACTION = "feedback.decline"
ANSWER_SUBMIT = "feedback.answer"
GIVE_SUBMIT = "feedback.give"
MAX_TEXT = 2500
MAX_PENDING_SHOWN = 15
SHARE, PRIVATE = "yes", "no"
_KIND_WORDS = {"peer": "peer feedback", "upward": "upward feedback"}


def usage(line: str = USAGE, example: str = REQUEST_EXAMPLE) -> str:
    """Usage and an example, for error messages."""
    return f"Usage: `{line}`\nExample: `{example}`"


def person(who: Person) -> Mention:
    """A person as a mention in a message."""
    assert who.id is not None
    return Mention(who.id, who.name)


def _quote(feedback: Feedback) -> Quote:
    assert feedback.id is not None
    return Quote(
        text(feedback.text), (Citation("feedback", feedback.id, f"feedback #{feedback.id}"),)
    )


def help_message() -> Message:
    """What /feedback does and how to use it."""
    return Message(
        summary="How to use /feedback",
        blocks=(
            Section(text("*Feedback* — ask for it, give it, and answer what you were asked.")),
            Section(
                text(
                    f"• `{REQUEST_USAGE}` — ask up to 10 people; each gets a form in a DM.\n"
                    f"• `{GIVE_USAGE}` — write feedback about someone, unasked.\n"
                    f"• `{PENDING_USAGE}` — requests waiting for your answer.\n"
                    f"Example: `{REQUEST_EXAMPLE}`"
                )
            ),
            Context(
                text(
                    "Answers to your requests go to your manager; you hear how many people "
                    "answered. Feedback you give goes to the person's manager, and to the "
                    "person too if you choose to share it."
                )
            ),
        ),
    )


def who_reads_answers(requester: Person, manager: Person, upward: bool) -> str:
    """Who will read an answer to a request, as the responder is told before writing."""
    if upward:
        return (
            f"{requester.name} is your manager: your answer goes to their manager, "
            f"{manager.name}, not to {requester.name}. {requester.name} learns how many people "
            "answered, never who wrote what."
        )
    return (
        f"Your answer goes to {manager.name}, {requester.name}'s manager. {requester.name} "
        "learns how many people answered, never who wrote what."
    )


def request_dm(
    request: FeedbackRequest,
    requester: Person,
    manager: Person,
    *,
    upward: bool,
    reminder: bool = False,
) -> Message:
    """The DM a responder gets: the ask, who reads the answer, and the buttons."""
    assert request.id is not None
    lead: Text = (
        text(":hourglass: A reminder: ", person(requester), " would still like your feedback")
        if reminder
        else text(":speech_balloon: ", person(requester), " asked for your feedback")
    )
    return Message(
        summary=f"{requester.name} asked for your feedback",
        blocks=(
            Section(lead + text(f" about “{request.topic}”.")),
            Context(text(who_reads_answers(requester, manager, upward))),
            Actions(
                (
                    Button("Give feedback", OPEN_ACTION, str(request.id), "primary"),
                    Button("Decline", DECLINE_ACTION, str(request.id)),
                )
            ),
        ),
    )


def answer_form(
    request: FeedbackRequest, requester: Person, manager: Person, *, upward: bool
) -> Form:
    """The form a responder fills in to answer a request."""
    return Form(
        title="Give feedback",
        submit_action=ANSWER_SUBMIT,
        value=str(request.id),
        submit_label="Send",
        blocks=(
            Section(text(person(requester), f" asked for your feedback about “{request.topic}”.")),
            Input(
                "Your feedback",
                "text",
                multiline=True,
                placeholder="What did they do, and what effect did it have? Examples help most.",
            ),
            Context(text(who_reads_answers(requester, manager, upward))),
        ),
    )


def give_form(subject: Person, manager: Person | None, initial: str = "") -> Form:
    """The form for feedback nobody asked for: the text, and whether the subject sees it."""
    if manager is None:
        private = f"No — keep it private (but {subject.name} has no manager in Candor)"
        note = (
            f"{subject.name} has no manager in Candor, so your feedback only reaches "
            f"{subject.name} if you share it."
        )
    else:
        private = f"No — only {subject.name}'s manager, {manager.name}, is sent it"
        note = (
            f"Private by default: {manager.name}, {subject.name}'s manager, is sent it, and "
            f"Candor never tells {subject.name} who wrote it. Shared, {subject.name} gets it "
            "too, with your name."
        )
    return Form(
        title="Give feedback",
        submit_action=GIVE_SUBMIT,
        value=str(subject.id),
        submit_label="Send",
        blocks=(
            Section(text("Feedback about ", person(subject))),
            Input(
                "Your feedback",
                "text",
                multiline=True,
                initial=initial,
                placeholder="What did they do, and what effect did it have? Examples help most.",
            ),
            Input(
                f"Share with {subject.name} too?",
                "share",
                kind="select",
                initial=PRIVATE,
                choices=(
                    Choice(private[:75], PRIVATE),
                    Choice(f"Yes — {subject.name} sees it too, with your name"[:75], SHARE),
                ),
            ),
            Context(text(note)),
        ),
    )


def requested_confirmation(responders: Sequence[Person], topic: str, manager: Person) -> Message:
    """What the requester hears once the requests are out."""
    names: Text = ()
    for i, who in enumerate(responders):
        if i:
            names += (" and " if i == len(responders) - 1 else ", ",)
        names += (person(who),)
    return Message(
        summary="Feedback requested",
        blocks=(
            Section(
                text(":incoming_envelope: Asked ") + names + text(f" for feedback about “{topic}”.")
            ),
            Context(
                text(
                    f"Their answers go to your manager, {manager.name}. I'll tell you how many "
                    "have answered, not what they wrote."
                )
            ),
        ),
    )


def manager_answer_dm(feedback: Feedback, author: Person, subject: Person) -> Message:
    """The subject's manager reads an answer to their report's request."""
    kind = _KIND_WORDS.get(feedback.kind, feedback.kind)
    return Message(
        summary=f"{author.name} answered {subject.name}'s feedback request",
        blocks=(
            Section(
                text(":inbox_tray: ", person(author), " answered ", person(subject), "'s request")
                + text(f" for feedback about “{feedback.topic}”.")
            ),
            _quote(feedback),
            Context(
                text(
                    f"{kind.capitalize()}. {subject.name} isn't sent it and never learns who "
                    "wrote what, only how many answered."
                )
            ),
        ),
    )


def manager_given_dm(feedback: Feedback, author: Person, subject: Person) -> Message:
    """The subject's manager reads feedback someone gave unasked."""
    kind = _KIND_WORDS.get(feedback.kind, feedback.kind)
    shared = (
        f"{author.name} shared it with {subject.name} too."
        if feedback.shareable
        else f"Private: {subject.name} isn't sent it and never learns who wrote it."
    )
    return Message(
        summary=f"{author.name} gave feedback about {subject.name}",
        blocks=(
            Section(text(":envelope: ", person(author), " gave feedback about ", person(subject))),
            _quote(feedback),
            Context(text(f"{kind.capitalize()}, unasked. {shared}")),
        ),
    )


def subject_shared_dm(feedback: Feedback, author: Person, manager: Person | None) -> Message:
    """The subject reads feedback its author chose to share with them."""
    told = f" Your manager, {manager.name}, has it too." if manager else ""
    return Message(
        summary=f"{author.name} gave you feedback",
        blocks=(
            Section(text(":envelope: ", person(author), " gave you feedback")),
            _quote(feedback),
            Context(text(f"{author.name} chose to share it with you.{told}")),
        ),
    )


def progress_dm(batch: Sequence[FeedbackRequest], manager: Person | None) -> Message:
    """The requester hears how many have answered (never what they wrote)."""
    answered = sum(r.status == "answered" for r in batch)
    declined = sum(r.status == "declined" for r in batch)
    topic = batch[0].topic if batch else ""
    extra = f" ({declined} declined)" if declined else ""
    reader = f" {manager.name}, your manager, reads the answers." if manager else ""
    return Message(
        summary=f"{answered} of {len(batch)} answered your feedback request",
        blocks=(
            Section(
                text(
                    f":bar_chart: {answered} of {len(batch)} people answered your request "
                    f"for feedback about “{topic}”{extra}.{reader}"
                )
            ),
        ),
    )


def sent_confirmation(lead: str, hints: Sequence[CoachHint]) -> Message:
    """What an author hears after their feedback is stored, with the coach's suggestion."""
    return Message(summary=lead, blocks=(Section(text(lead)), *coach_reply(hints)))


def pending_message(
    requests: Sequence[FeedbackRequest], people: Mapping[int, Person], tz: str
) -> Message:
    """Requests waiting for the person's answer, each with its buttons."""
    if not requests:
        return Message(
            summary="No feedback requests waiting",
            blocks=(Section(text("No feedback requests are waiting for you. :sparkles:")),),
        )
    blocks: list[Block] = [Header("Feedback requests waiting for you")]
    for request in requests[:MAX_PENDING_SHOWN]:
        requester = people.get(request.requester_id)
        if requester is None or request.id is None:
            continue
        asked: datetime = request.created_at
        blocks.append(
            Section(
                text(person(requester), f" asked about “{request.topic}” on {day_text(asked, tz)}.")
            )
        )
        blocks.append(
            Actions(
                (
                    Button("Give feedback", OPEN_ACTION, str(request.id), "primary"),
                    Button("Decline", DECLINE_ACTION, str(request.id)),
                )
            )
        )
    if len(requests) > MAX_PENDING_SHOWN:
        blocks.append(Context(text(f"And {len(requests) - MAX_PENDING_SHOWN} more.")))
    return Message(summary=f"{len(requests)} feedback requests waiting", blocks=tuple(blocks))
