"""The demo's sample org and a month of its activity, written for Candor's demo.

Fernwood Labs is fictional: twelve people in three teams plus a VP and an HR people partner.
Steps are written the way people type them (`@handle`) and turned into Slack's wire format
(`<@U…|handle>`) by `wire_text`, so the replay sends exactly what Slack would.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.slack.standin import SlackUser

COMPANY = "Fernwood Labs"
DOMAIN = "fernwood.example"
CHANNEL_ID = "C0GENERAL"
CHANNEL_NAME = "general"
BOT_ID = "U0CANDORBOT"  # Candor's own Slack user in the stand-in
# A Monday: the replay covers four working weeks from here.
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def slack_id(handle: str) -> str:
    """A stable, Slack-shaped user id for a handle (same in every run)."""
    return "U07" + hashlib.sha1(handle.encode()).hexdigest()[:7].upper()


@dataclass(frozen=True)
class Member:
    """Someone in the sample org: directory fields plus their Slack handle."""

    handle: str
    name: str
    title: str
    department: str
    manager: str | None = None
    role: str = ""
    tz: str = "Europe/Berlin"  # their Slack profile's time zone

    @property
    def email(self) -> str:
        """Work email, the key the org import matches Slack users by."""
        return f"{self.handle}@{DOMAIN}"

    @property
    def slack_id(self) -> str:
        """This person's Slack user id."""
        return slack_id(self.handle)


ORG: tuple[Member, ...] = (
    Member("amara", "Amara Okonkwo", "VP Engineering", "Leadership"),
    Member("priya", "Priya Raman", "Engineering Manager", "Payments", "amara"),
    Member("mateo", "Mateo Fernández", "Backend Engineer", "Payments", "priya"),
    Member(
        "aisha",
        "Aisha Bello",
        "Senior Backend Engineer",
        "Payments",
        "priya",
        tz="America/New_York",
    ),
    Member("kenji", "Kenji Watanabe", "Frontend Engineer", "Payments", "priya", tz="Asia/Tokyo"),
    Member("jonas", "Jonas Lindqvist", "Engineering Manager", "Platform", "amara"),
    Member(
        "fatima",
        "Fatima Al-Sayed",
        "Site Reliability Engineer",
        "Platform",
        "jonas",
        tz="Asia/Kolkata",
    ),
    Member("wei", "Wei Zhang", "Platform Engineer", "Platform", "jonas"),
    Member("sofia", "Sofia Rossi", "Design Lead", "Design", "amara"),
    Member("kwame", "Kwame Mensah", "Product Designer", "Design", "sofia"),
    Member("mei", "Mei Lin", "UX Researcher", "Design", "sofia"),
    Member("hannah", "Hannah Schmidt", "People Partner", "People", None, "hr"),
)

# In Slack but not in the org directory: an agency contractor, and a deploy bot.
CONTRACTOR = SlackUser(slack_id("riley"), "riley", "Riley Chen", "riley@pixelagency.example")
DEPLOY_BOT = SlackUser(slack_id("deploybot"), "deploybot", "Deploy Bot", None, is_bot=True)


def org_csv() -> str:
    """The org directory as the CSV `candor org import` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "manager_email", "department", "title", "role"])
    by_handle = {m.handle: m for m in ORG}
    for m in ORG:
        manager = by_handle[m.manager].email if m.manager else ""
        writer.writerow([m.email, m.name, manager, m.department, m.title, m.role])
    return out.getvalue()


def slack_users() -> list[SlackUser]:
    """Every Slack workspace member of the demo (the Candor bot is added by the stand-in)."""
    people = [SlackUser(m.slack_id, m.handle, m.name, m.email, tz=m.tz) for m in ORG]
    return [*people, CONTRACTOR, DEPLOY_BOT]


class Expect(StrEnum):
    """What a step should make Candor do; the replay checks it."""

    KUDOS = "kudos"  # stored, posted in the channel once, DMs to recipients and managers
    HELP = "help"  # a private help reply
    ERROR = "error"  # a private reply saying what is wrong
    PRIVATE = "private"  # a private answer (a manager's /themes)
    DIGEST = "digest"  # a post in the channel (HR's /digest), with a chart


@dataclass(frozen=True)
class Step:
    """One thing someone typed in #general, at a moment of the demo month."""

    at: datetime
    actor: str
    text: str
    expect: Expect = Expect.KUDOS
    note: str = ""
    # 2 sends the identical request twice (same trigger_id), like a double click.
    sends: int = 1
    command: str = "/kudos"


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _at(when: str) -> datetime:
    """`"2 Tue 14:05"` → Tuesday of the demo's second week, 14:05 UTC."""
    week, day, clock = when.split()
    hour, minute = (int(part) for part in clock.split(":"))
    date = START.date() + timedelta(days=7 * (int(week) - 1) + _WEEKDAYS.index(day))
    return datetime(date.year, date.month, date.day, hour, minute, tzinfo=UTC)


def _s(
    when: str,
    actor: str,
    text: str,
    expect: Expect = Expect.KUDOS,
    note: str = "",
    sends: int = 1,
    command: str = "/kudos",
) -> Step:
    return Step(_at(when), actor, text, expect=expect, note=note, sends=sends, command=command)


ERR, HELP = Expect.ERROR, Expect.HELP

# A table: one step per row, aligned by hand for reading.
# fmt: off
STEPS: tuple[Step, ...] = (
    _s("1 Mon 09:05", "kenji", "help", HELP, "asks how /kudos works"),
    _s("1 Mon 09:40", "priya", "@mateo for shipping the refunds API a week early and writing "
                               "the runbook before anyone asked #ownership"),
    _s("1 Mon 14:05", "jonas", "@fatima for staying calm through Monday's database failover "
                               "and posting clear status updates every fifteen minutes "
                               "#courage #teamwork"),
    _s("1 Tue 11:20", "aisha", "@kenji for pairing with me for two hours to untangle the "
                               "checkout race condition #teamwork"),
    _s("1 Tue 16:45", "sofia", "@kwame for a generous design critique of the onboarding flow; "
                               "your notes on the empty states made it so much clearer #craft"),
    _s("1 Wed 10:10", "mateo", "@mateo for finally fixing my own flaky test #craft",
       ERR, "tries to thank himself"),
    _s("1 Wed 15:30", "amara", "@priya @jonas for running a blameless post-incident review "
                               "that the whole org learned from #learning"),
    _s("1 Thu 13:15", "mei",   "@sofia for joining three customer calls in one day to hear "
                               "the invoicing pain first-hand #customer"),
    _s("1 Fri 10:00", "wei",   "@fatima for mentoring me through my first on-call week and "
                               "answering every 2 a.m. question patiently #learning"),

    _s("2 Mon 09:50", "mateo", "@aisha for catching the currency rounding bug in code review "
                               "before it reached a single customer #craft #customer",
       note="double-clicks Send", sends=2),
    _s("2 Mon 15:00", "kenji", "@kwame @mei for turning a week of messy user interviews into "
                               "a checkout prototype we could test by Friday #teamwork"),
    _s("2 Tue 10:30", "wei",   "@deploybot for shipping 40 deploys this week without "
                               "complaint #ownership",
       ERR, "thanks a bot"),
    _s("2 Tue 14:10", "hannah", "@jonas for making the new-hire buddy programme actually "
                                "happen on the Platform team #ownership"),
    _s("2 Wed 11:00", "fatima", "@wei for automating the certificate rotation that used to "
                                "wake someone up every quarter #ownership"),
    _s("2 Wed 17:05", "priya", "@kenji for pushing back on the launch date when the "
                               "accessibility audit wasn't finished. It was the right call "
                               "#courage"),
    _s("2 Thu 09:35", "sofia", "@riley for the illustrations on the launch page #craft",
       ERR, "thanks a contractor who isn't in the org directory"),
    _s("2 Thu 12:40", "jonas", "@wei for documenting the Terraform queue module so clearly "
                               "that Payments set up their new queue without asking us #craft"),
    _s("2 Fri 16:00", "sofia", "@mei for presenting the research findings to leadership with "
                               "real customer quotes #customer #courage"),

    _s("3 Mon 10:15", "aisha", "@mateo for mentoring our new intern through her first "
                               "production deploy #learning #teamwork"),
    _s("3 Mon 11:45", "aisha", "@priya", ERR, "forgets to say what for"),
    _s("3 Tue 09:20", "kwame", "@sofia for the design critique that turned my settings page "
                               "from cluttered to calm #craft"),
    _s("3 Tue 14:50", "kenji", "@mei for the usability report on the new checkout #synergy",
       ERR, "tags a value the company doesn't have"),
    _s("3 Tue 14:52", "kenji", "@mei for the usability report on the new checkout; it changed "
                               "what we build next sprint #customer",
       note="fixes the tag and sends again"),
    _s("3 Wed 23:40", "mateo", "@fatima @wei for jumping on the payment-gateway outage at "
                               "11pm and getting us back up in forty minutes #teamwork #courage"),
    _s("3 Thu 10:05", "priya", "@aisha for calling the three merchants hit by the outage and "
                               "walking them through the fix herself #customer #ownership"),
    _s("3 Fri 15:15", "amara", "@hannah for redesigning our feedback cycle so nobody has to "
                               "write reviews from memory #ownership"),

    _s("4 Mon 11:30", "riley", "@sofia for the quick turnaround on the brand review #teamwork",
       ERR, "isn't in the org directory, tries /kudos"),
    _s("4 Mon 14:00", "mei",   "@kenji for sitting in on usability sessions and fixing two "
                               "bugs live between participants #customer"),
    _s("4 Tue 10:40", "fatima", "@mateo for writing the clearest incident timeline I have "
                                "read; it made the review easy #craft"),
    _s("4 Wed 12:30", "kenji", "@aisha for teaching a lunch-and-learn on idempotency keys "
                               "that the whole team keeps quoting #learning"),
    _s("4 Thu 16:20", "jonas", "@sofia for helping Platform choose a design system for our "
                               "internal tools and running the workshop #teamwork"),
    _s("4 Fri 11:10", "hannah", "@priya for coaching two first-time managers through their "
                                "first performance conversations #learning"),
    _s("4 Fri 16:55", "kwame", "@amara for answering every question at the all-hands, "
                               "including the uncomfortable ones #courage"),
    _s("4 Fri 17:10", "priya", "4", Expect.PRIVATE, "asks for her team's themes",
       command="/themes"),
    _s("4 Fri 17:20", "kwame", "", ERR, "tries the HR digest", command="/digest"),
    _s("4 Fri 17:30", "hannah", "4", Expect.DIGEST, "posts the month's themes digest",
       command="/digest"),
)
# fmt: on

_HANDLE = re.compile(r"(?<![\w<])@([a-z][a-z0-9._-]*)")


def directory_ids() -> dict[str, str]:
    """Slack id of every handle in the workspace (org members, the contractor, the bot)."""
    return {u.name: u.id for u in slack_users()}


def wire_text(text: str) -> str:
    """`@handle` → `<@U…|handle>`, the way Slack sends mentions in a slash command."""
    ids = directory_ids()

    def mention(match: re.Match[str]) -> str:
        handle = match.group(1)
        return f"<@{ids[handle]}|{handle}>" if handle in ids else match.group(0)

    return _HANDLE.sub(mention, text)


def slack_names() -> dict[str, str]:
    """Slack id → real name for everyone in the workspace, Candor included."""
    return {BOT_ID: "Candor", **{u.id: u.real_name for u in slack_users()}}


def expected_kudos() -> int:
    """How many kudos the scenario should leave in the store (a double submit counts once)."""
    return sum(1 for step in STEPS if step.expect is Expect.KUDOS)


def member(handle: str) -> Member | None:
    """The org member with this handle, if any."""
    return next((m for m in ORG if m.handle == handle), None)
