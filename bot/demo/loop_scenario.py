"""The demo's loop week: check-ins, goals and a 1:1 at Fernwood Labs, after the kudos month.

The week after the month (and after the Teams day): Priya sets up a weekly 1:1 with Mateo,
Kenji and Mateo write goals, Candor's scheduler sends everyone's Friday check-in at 09:00 in
their own time zone, Mateo names a blocker (his mood stays private), Aisha chooses to share
hers, and on Monday, a day before the 1:1, Priya gets her prep message and acts on it.

Each step says what Candor must show for it: the private reply, the modal, and every DM (to
whom, saying what, and never saying what). The replay (`bot.demo.loop_replay`) checks each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.demo import scenario

SCHEDULER = "Candor (scheduled)"  # the actor of a scheduled step
BERLIN, NEW_YORK, TOKYO, KOLKATA = "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"
MONDAY = (scenario.START + timedelta(weeks=4)).date()  # the Teams day; the loop week follows
TITLE = "A week of check-ins, goals and 1:1s"

MATEO_BLOCKER = "Waiting on the payment provider's sandbox keys; asked twice, no answer yet"
AISHA_BLOCKER = "Need a decision on the ledger schema before the migration can start"


class Kind(StrEnum):
    """What happens in a step."""

    COMMAND = "command"  # a slash command, typed in the actor's DM with Candor
    CLICK = "click"  # a button in the newest message the actor has that shows it
    SUBMIT = "submit"  # the modal the actor's previous step opened, filled in and submitted
    SCHEDULED = "scheduled"  # Candor's scheduler runs a round; nobody acts


@dataclass(frozen=True)
class Sent:
    """A DM a step must cause: to whom, what kind (counted in the summary), and its words."""

    to: str  # handle
    kind: str  # checkin, reminder, blocker, confirm, notice, nudge, prep, agenda
    says: str  # words it must contain
    never: tuple[str, ...] = ()  # words it must not contain (any case)
    evidence: str = ""  # it must carry a "View" button for a record of this kind


@dataclass(frozen=True)
class LoopStep:
    """One moment of the loop week and what Candor must show for it."""

    at: datetime  # UTC
    actor: str  # a handle, or SCHEDULER
    kind: Kind
    note: str
    command: str = ""  # COMMAND: e.g. "/goal"
    text: str = ""  # COMMAND: what follows it; `{goal}` is the actor's newest goal's number
    button: str = ""  # CLICK: the button's label
    inputs: Mapping[str, str] = field(default_factory=dict)  # SUBMIT: field id → value
    job: str = ""  # SCHEDULED: "checkin" or "prep"
    zone: str = ""  # SCHEDULED: whose local time it is (for the reader)
    reply: str = ""  # words the private reply must contain; "" when none is expected
    modal: str = ""  # the title of the modal that must open; "" when none
    never: tuple[str, ...] = ()  # words the private reply or modal must not contain
    dms: tuple[Sent, ...] = ()  # every DM the step must cause, and no others

    @property
    def typed(self) -> str:
        """The command as the actor typed it, `@handle`s and all."""
        return f"{self.command} {self.text}".strip()


def zone_of(handle: str) -> str:
    """A person's time zone, as their Slack profile has it."""
    member = scenario.member(handle)
    return member.tz if member else BERLIN


def _at(when: str, tz: str = BERLIN) -> datetime:
    """`"Fri 09:00"` in `tz`, in the loop week (`"next Mon 10:00"`: the week after), as UTC."""
    words = when.split()
    weeks = 1 if words[0] == "next" else 0
    day, clock = words[-2:]
    hour, minute = (int(part) for part in clock.split(":"))
    date = MONDAY + timedelta(weeks=weeks, days=["Mon", "Tue", "Wed", "Thu", "Fri"].index(day))
    local = datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC"))


def _in(tz: str, *, but: tuple[str, ...] = ()) -> list[str]:
    return [m.handle for m in scenario.ORG if m.tz == tz and m.handle not in but]


def _checkins(handles: list[str]) -> tuple[Sent, ...]:
    return tuple(Sent(h, "checkin", "Time for your check-in") for h in handles)


def _reminders(handles: list[str]) -> tuple[Sent, ...]:
    return tuple(Sent(h, "reminder", "is still open") for h in handles)


def _round(when: str, tz: str, dms: tuple[Sent, ...], note: str = "") -> LoopStep:
    city = tz.rsplit("/", 1)[-1].replace("_", " ")
    said = note or f"sends {city}'s check-ins"
    return LoopStep(_at(when, tz), SCHEDULER, Kind.SCHEDULED, said, job="checkin", zone=tz, dms=dms)


MOOD = ("mood",)
MATEO_ANSWERS = {
    "progress": "Refund API: p95 down from 800 to 520 ms in staging after the connection-pool fix",
    "highlights": "Paired with Kenji on the checkout retries; the flaky test is gone",
    "blockers": MATEO_BLOCKER,
    "mood": "2",
}
AISHA_ANSWERS = {
    "progress": "Ledger migration plan written and reviewed with Platform",
    "highlights": "The idempotency-key lunch-and-learn got a second session booked",
    "blockers": AISHA_BLOCKER,
    "mood": "3",
}
_FRIDAY = (MONDAY + timedelta(days=4)).isocalendar()
PERIOD = f"{_FRIDAY.year}-W{_FRIDAY.week:02d}"  # the check-in period of the loop week

# fmt: off
STEPS: tuple[LoopStep, ...] = (
    LoopStep(_at("Tue 11:30"), "priya", Kind.COMMAND, "sets up a weekly 1:1 with Mateo",
             command="/oneonone", text="@mateo every week on Tue 10:00",
             reply="Scheduled: 1:1 with Mateo Fernández",
             dms=(Sent("mateo", "notice", "set up a recurring 1:1 with you"),)),
    LoopStep(_at("Wed 10:00", TOKYO), "kenji", Kind.COMMAND, "adds a vague goal",
             command="/goal", text="add Improve communication",
             reply="Suggestions to make it SMART"),
    LoopStep(_at("Wed 10:15"), "mateo", Kind.COMMAND, "adds a measurable goal with a date",
             command="/goal", text="add Cut refund API p95 from 800 ms to 300 ms by 2027-03-31",
             reply="It reads as a SMART goal"),
    _round("Fri 09:00", TOKYO, _checkins(_in(TOKYO))),
    _round("Fri 09:00", KOLKATA, _checkins(_in(KOLKATA))),
    _round("Fri 09:00", BERLIN, _checkins(_in(BERLIN)) + _reminders(_in(TOKYO)),
           "sends Berlin's check-ins, Tokyo's reminder"),
    LoopStep(_at("Fri 10:20"), "mateo", Kind.CLICK, "opens his check-in",
             button="Answer check-in", modal=f"Check-in {PERIOD}"),
    LoopStep(_at("Fri 10:24"), "mateo", Kind.SUBMIT,
             "names a blocker; mood kept private", inputs=MATEO_ANSWERS,
             dms=(Sent("mateo", "confirm", "Your mood stays with you"),
                  Sent("priya", "blocker", "flagged a blocker", never=(*MOOD, "2/5")))),
    _round("Fri 09:00", NEW_YORK, _checkins(_in(NEW_YORK))
           + _reminders(_in(BERLIN, but=("mateo",)) + _in(KOLKATA)),
           "sends New York's check-ins, reminders"),
    LoopStep(_at("Fri 09:20", NEW_YORK), "aisha", Kind.COMMAND, "opens her check-in settings",
             command="/checkin", text="settings", modal="Check-in settings"),
    LoopStep(_at("Fri 09:21", NEW_YORK), "aisha", Kind.SUBMIT,
             "chooses to share her mood with Priya", inputs={"share_mood": "yes"},
             dms=(Sent("aisha", "confirm", "Your manager can see"),)),
    LoopStep(_at("Fri 09:25", NEW_YORK), "aisha", Kind.CLICK, "opens her check-in",
             button="Answer check-in", modal=f"Check-in {PERIOD}"),
    LoopStep(_at("Fri 09:30", NEW_YORK), "aisha", Kind.SUBMIT,
             "names a blocker; mood shared", inputs=AISHA_ANSWERS,
             dms=(Sent("aisha", "confirm", "Your mood is shared with your manager"),
                  Sent("priya", "blocker", "shared with their consent"))),
    LoopStep(_at("Fri 16:00"), "mateo", Kind.COMMAND, "records progress on his goal",
             command="/goal",
             text="update {goal} 40% load test in staging shows p95 at 520 ms",
             reply="Updated goal"),
    LoopStep(_at("next Mon 10:00"), SCHEDULER, Kind.SCHEDULED,
             "sends the prep for Tuesday's 1:1", job="prep", zone=BERLIN,
             dms=(Sent("priya", "nudge", "flagged a blocker", never=(*MOOD, "2/5"),
                       evidence="checkin"),
                  Sent("mateo", "prep", "Your 1:1 with Priya Raman"))),
    LoopStep(_at("next Mon 10:05"), SCHEDULER, Kind.SCHEDULED,
             "runs the prep again: sends nothing", job="prep", zone=BERLIN),
    LoopStep(_at("next Mon 10:12"), "priya", Kind.CLICK, "opens the blocker's evidence",
             button="View [1]", reply="Check-in of Mateo Fernández", never=MOOD),
    LoopStep(_at("next Mon 10:14"), "priya", Kind.CLICK, "puts the blocker on the agenda",
             button="Add to agenda", reply="Added to your agenda with Mateo Fernández"),
    LoopStep(_at("next Mon 10:15"), "priya", Kind.CLICK, "shares the agenda with Mateo",
             button="Share agenda with report", reply="Sent Mateo Fernández the agenda",
             dms=(Sent("mateo", "agenda", "flagged a blocker"),)),
)
# fmt: on


def private_texts() -> list[str]:
    """Free text people typed in the loop week: none of it may reach the log file."""
    typed = [v for s in STEPS for v in s.inputs.values() if " " in v]
    goals = [s.text.removeprefix("add ").split(" by ")[0] for s in STEPS if s.command == "/goal"]
    return typed + [g for g in goals if not g.startswith("update ")]
