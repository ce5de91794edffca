"""Candor's Home through the real Bolt app: each role sees its own sections, nothing beyond."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.teams.render_adaptive import render_card
from handlers.home import home_view
from tests.conftest import SlackHarness
from tests.home_harness import (
    ANA,
    GUEST,
    HANA,
    LI,
    MAYA,
    SAM,
    buttons,
    open_home,
    person,
    published,
    replies,
    texts,
)


def _checkin(
    h: SlackHarness, who: str, period: str, *, mood: int | None, blocker: str = ""
) -> None:
    h.candor.store.checkins.submit(
        person(h, who).id or 0,
        period,
        answers={"progress": "steady"},
        mood=mood,
        blocker=blocker,
        at=h.clock.now,
    )


def _draft(h: SlackHarness, report: str, manager: str, *, days_ago: int = 1) -> int:
    """A review draft of a report by their manager, with words nobody else may read."""
    subject, boss = person(h, report), person(h, manager)
    assert subject.id and boss.id
    row = h.candor.store.reviews.create(
        subject_id=subject.id,
        manager_id=boss.id,
        period_start=date(2026, 5, 1),
        period_end=date(2026, 11, 1),
        engine="offline",
        content={"summary": f"{report} drafted words only the manager reads"},
        at=h.clock.now - timedelta(days=days_ago),
    )
    assert row.id is not None
    return row.id


def _decide(h: SlackHarness, draft_id: int, status: str, manager: str) -> None:
    boss = person(h, manager).id
    assert boss is not None
    assert h.candor.store.reviews.decide(draft_id, 1, status, boss, h.clock.now) is not None


async def _seed(h: SlackHarness) -> None:
    """Kudos both ways, a goal, a 1:1 with an agenda, check-ins with moods and blockers."""
    store, now = h.candor.store, h.clock.now
    await h.kudos("<@U0LI|li> for the calm incident write-up #ownership", user=ANA)
    await h.kudos("<@U0SAM|sam> for pairing on the flaky tests #teamwork", user=LI)
    li, ana, omar = person(h, "li"), person(h, "ana"), person(h, "omar")
    assert li.id and ana.id and omar.id
    store.goals.add(
        li.id,
        objective="Cut p95 checkout latency from 800 ms to 300 ms",
        key_results=["p95 under 300 ms"],
        due=date(2026, 11, 20),
        at=now - timedelta(days=60),
    )
    store.goals.add(
        omar.id,
        objective="Halve paging noise for the platform rota",
        key_results=[],
        due=date(2026, 11, 10),
        at=now - timedelta(days=60),
    )
    meeting = store.oneonones.schedule(
        ana.id,
        li.id,
        weekday=1,
        hour=10,
        minute=0,
        every_weeks=1,
        tz="Europe/Berlin",
        first_date=date(2026, 10, 6),
        at=now,
    )
    assert meeting.id is not None
    store.oneonones.add_item(meeting.id, li.id, "Career path towards staff engineer", at=now)
    _checkin(h, "li", "2026-W44", mood=3)
    _checkin(h, "li", "2026-W45", mood=4, blocker="Waiting on the payments API keys")
    _checkin(h, "omar", "2026-W45", mood=2, blocker="Pager rota is understaffed")


async def test_an_employee_sees_their_own_picture_and_no_team_or_hr_part(
    home: SlackHarness,
) -> None:
    await _seed(home)

    await open_home(home, LI)

    view = published(home, LI)
    shown = texts(view)
    assert view["type"] == "home"
    assert "1 received · 1 given" in shown
    assert "calm incident write-up" in shown and "#ownership" in shown
    assert "Cut p95 checkout latency" in shown and "due 20 Nov 2026" in shown
    assert "Next 1:1" in shown and "<@U0ANA>" in shown
    assert "Career path towards staff engineer" in shown
    assert "streak 2 in a row" in shown
    assert "Your mood trend:* 3 → 4 — seen by only you" in shown
    assert shown.index("Your mood trend") < shown.index("Kudos, last 90 days")
    assert "Your team" not in shown and "Weekly themes digest" not in shown
    assert "Pager rota" not in shown  # nobody else's check-ins
    actions = buttons(view)
    assert actions["checkin.open"] == "2026-W45"
    assert actions["home.help:kudos"] == "kudos"
    assert "home.settings" in actions and "home.org_settings" not in actions


async def test_a_manager_sees_their_reports_but_not_outside_their_line(home: SlackHarness) -> None:
    await _seed(home)

    await open_home(home, ANA)

    shown = texts(published(home, ANA))
    assert "Your team" in shown
    assert "<@U0LI>" in shown and "<@U0SAM>" in shown
    assert "<@U0OMAR>" not in shown and "Pager rota" not in shown
    assert "Halve paging noise" not in shown
    assert "Waiting on the payments API keys" in shown
    assert "Check-ins this week:* 1 of 2 answered" in shown
    assert "Cut p95 checkout latency" in shown and "behind" in shown  # at risk
    assert "Tue 3 Nov, 10:00" in shown  # Li's next 1:1, in Ana's zone
    assert "no 1:1 yet" in shown  # Sam has none
    assert "Mood, shared with consent" not in shown and "3 → 4" not in shown


async def test_a_reports_mood_appears_only_with_their_consent(home: SlackHarness) -> None:
    await _seed(home)
    li = person(home, "li")
    assert li.id is not None
    home.candor.store.settings.set_share_mood(li.id, True, home.clock.now)

    await open_home(home, ANA)

    shown = texts(published(home, ANA))
    assert "Mood, shared with consent" in shown and "<@U0LI>: 3 → 4" in shown
    reads = home.candor.store.audit.events(action="read.individual")
    about_li = [e for e in reads if e.subject_kind == "home" and e.subject_id == li.id]
    assert about_li and about_li[0].actor_id == person(home, "ana").id
    assert set(about_li[0].detail) >= {"checkins", "mood", "goals"}
    assert "Waiting" not in str(about_li[0].detail)  # ids only


async def test_skip_level_managers_see_their_whole_line(home: SlackHarness) -> None:
    await _seed(home)

    await open_home(home, MAYA)

    shown = texts(published(home, MAYA))
    assert "<@U0OMAR>" in shown and "Pager rota is understaffed" in shown
    assert "Waiting on the payments API keys" in shown  # Li reports to Ana, who reports to Maya
    assert "Check-ins this week:* 2 of 4 answered" in shown


async def test_hr_sees_digest_links_and_no_individual_data(home: SlackHarness) -> None:
    await _seed(home)
    home.candor.store.deliveries.claim("digest:C0HR:all:2026-W45", "digest", home.clock.now)

    await open_home(home, HANA)

    view = published(home, HANA)
    shown = texts(view)
    assert "Weekly themes digest" in shown and "Latest digest:* 2 Nov 2026" in shown
    assert "Review cycle, last 90 days:* no review drafts yet" in shown and "/digest" in shown
    assert "home.org_settings" in buttons(view)
    assert "Your team" not in shown
    assert "Waiting on the payments" not in shown and "Pager rota" not in shown


async def test_home_is_current_each_time_it_opens(home: SlackHarness) -> None:
    await open_home(home, LI)
    assert "0 received · 0 given" in texts(published(home, LI))

    await home.kudos("<@U0LI|li> for the migration runbook #craft", user=ANA)
    await open_home(home, LI)

    assert "1 received · 0 given" in texts(published(home, LI))


async def test_the_messages_tab_publishes_nothing(home: SlackHarness) -> None:
    await open_home(home, LI, tab="messages")

    assert not home.standin.calls_to("views.publish")


async def test_someone_outside_the_directory_gets_a_friendly_home(home: SlackHarness) -> None:
    await open_home(home, GUEST)

    assert "not in the org directory" in texts(published(home, GUEST))


async def test_candor_home_sends_the_same_home_as_a_message(home: SlackHarness) -> None:
    await _seed(home)

    await home.kudos("home", command="/candor", user=LI)

    shown = replies(home)
    assert "Cut p95 checkout latency" in shown and "Your team" not in shown


async def test_a_home_button_explains_its_command(home: SlackHarness) -> None:
    await home.click("home.help:kudos", "kudos", user=LI)

    shown = replies(home) + texts([c.args.get("blocks") for c in home.standin.posted_messages()])
    assert "/kudos @person" in shown and "Example:" in shown


async def test_a_home_button_for_a_command_the_role_may_not_use_is_refused(
    home: SlackHarness,
) -> None:
    await home.click("home.help:digest", "digest", user=LI)

    shown = replies(home) + texts([c.args.get("blocks") for c in home.standin.posted_messages()])
    assert "isn't available" in shown


async def test_teams_shows_the_same_home_as_a_card(home: SlackHarness) -> None:
    await _seed(home)
    ana = person(home, "ana")

    card = json.dumps(render_card(await home_view(home.candor.services, ana), {}))

    assert "Your team" in card and "Li Wei" in card and "Omar Haddad" not in card
    assert "checkin.open" in card and "home.help:kudos" in card


async def test_feedback_requests_waiting_show_with_a_button_that_opens_the_answer_form(
    home: SlackHarness,
) -> None:
    ana, li = person(home, "ana"), person(home, "li")
    assert ana.id and li.id
    made = home.candor.store.feedback.create_requests(
        "req-home-1",
        requester_id=ana.id,
        responder_ids=[li.id],
        topic="how I ran the incident review",
        at=home.clock.now,
    )
    assert made is not None
    [request] = made

    await open_home(home, LI)
    await open_home(home, SAM)

    view = published(home, LI)
    shown = texts(view)
    assert "Feedback requests waiting for you:* 1" in shown
    assert "<@U0ANA> asked about “how I ran the incident review” on 2 Nov 2026" in shown
    assert buttons(view)["feedback.open"] == str(request.id)
    sam = texts(published(home, SAM))  # not asked: sees nothing of it
    assert "Feedback requests waiting for you:* none" in sam and "incident review" not in sam

    await home.click("feedback.open", str(request.id), user=LI, channel="D0HOME")

    assert "how I ran the incident review" in texts(home.forms()[-1])


async def test_a_manager_sees_their_open_drafts_but_never_the_draft_text(
    home: SlackHarness,
) -> None:
    _draft(home, "li", "ana")
    _decide(home, _draft(home, "sam", "ana"), "approved", "ana")

    await open_home(home, ANA)
    await open_home(home, MAYA)
    await open_home(home, LI)

    shown = texts(published(home, ANA))
    assert "Review drafts waiting for your decision" in shown
    assert "<@U0LI> — 1 May 2026 – 1 Nov 2026 · version 1" in shown
    assert "<@U0SAM> — 1 May" not in shown  # approved: nothing left to decide
    assert "drafted words" not in shown
    maya = texts(published(home, MAYA))  # Ana's skip-level: the draft is Ana's to decide
    assert "Review drafts waiting for your decision:* none" in maya
    assert "Review drafts" not in texts(published(home, LI))  # not a manager
    li = person(home, "li").id
    reads = home.candor.store.audit.events(action="read.individual")
    assert any(e.subject_id == li and "review_drafts" in e.detail for e in reads)


async def test_hr_sees_the_review_cycle_in_counts_and_no_names(home: SlackHarness) -> None:
    _draft(home, "li", "ana")
    _decide(home, _draft(home, "sam", "ana"), "approved", "ana")
    _decide(home, _draft(home, "ana", "maya"), "discarded", "maya")
    _draft(home, "omar", "maya", days_ago=120)  # an earlier cycle

    await open_home(home, HANA)

    shown = texts(published(home, HANA))
    assert (
        "Review cycle, last 90 days:* 3 drafts — 1 waiting for a manager's decision · "
        "1 approved · 1 discarded"
    ) in shown
    for someone in ("<@U0LI>", "<@U0SAM>", "<@U0ANA>", "<@U0OMAR>", "<@U0MAYA>"):
        assert someone not in shown
    assert "drafted words" not in shown and "Review drafts waiting" not in shown
