"""The demo's App Home visits, piece by piece: the checks on each published Home and how the
Homes appear in the transcript (the end-to-end run is in `test_demo.py`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.demo import loop_scenario, scenario
from bot.demo.home_report import home_conversations, home_total_rows
from bot.demo.home_tabs import HomeOutcome, HomeTab, check_tab, others_words
from bot.demo.transcript import ChatUser, render_page
from bot.slack.standin import RecordedCall

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MATEO, AISHA = f"<@{scenario.slack_id('mateo')}>", f"<@{scenario.slack_id('aisha')}>"


def _section(words: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": words}}


def _header(words: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": words}}


def _home(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "home", "blocks": list(blocks)}


def _tab(handle: str, role: str, *views: dict[str, Any]) -> HomeTab:
    calls = [RecordedCall("views.publish", {"user_id": handle, "view": v}, 0.0) for v in views]
    return HomeTab(handle, role, AT, [200], [9.0], calls, list(views))


def _priya(mood_section: str) -> dict[str, Any]:
    return _home(
        _header("You"),
        _header("Your team"),
        _section(f"*Upcoming 1:1s*\n• {MATEO} — Tue 8 Dec, 10:00"),
        _section("*Review drafts waiting for your decision:* none"),
        _section(mood_section),
    )


def _hannah(hr_line: str) -> dict[str, Any]:
    return _home(
        _header("You"),
        _header("HR"),
        _section("*Weekly themes digest:* has no channel yet"),
        _section(hr_line),
    )


def test_a_managers_home_with_mateo_and_only_aishas_mood_passes() -> None:
    tab = _tab("priya", "manager", _priya(f"*Mood, shared with consent*\n• {AISHA}: 3"))

    check_tab(tab)

    assert tab.problems == []


def test_a_managers_home_showing_a_non_consenting_reports_mood_is_flagged() -> None:
    leak = f"*Mood, shared with consent*\n• {AISHA}: 3\n• {MATEO}: 2"
    tab = _tab("priya", "manager", _priya(leak))

    check_tab(tab)

    assert tab.problems == ["shows Mateo's mood, which he keeps private"]


def test_an_hr_home_naming_people_or_quoting_a_check_in_is_flagged() -> None:
    clean = _tab("hannah", "HR", _hannah("*Review cycle, last 90 days:* no review drafts yet"))
    check_tab(clean)
    assert clean.problems == []

    leak = f"*Review cycle:* Mateo Fernández — {loop_scenario.MATEO_BLOCKER}"
    tab = _tab("hannah", "HR", _hannah(leak))
    check_tab(tab)

    assert "the HR part names people: mateo" in tab.problems
    assert any(p.startswith("shows someone else's check-in") for p in tab.problems)


def test_a_home_published_twice_or_not_at_all_is_flagged() -> None:
    view = _hannah("*Review cycle, last 90 days:* no review drafts yet")
    twice, never = _tab("hannah", "HR", view, view), _tab("hannah", "HR")

    check_tab(twice)
    check_tab(never)

    assert twice.problems == ["the Home was published 2 times, expected once"]
    assert never.problems == ["the Home was published 0 times, expected once"]


def test_others_words_leave_out_what_the_person_wrote() -> None:
    mine = others_words("mateo")
    assert loop_scenario.MATEO_BLOCKER not in mine and loop_scenario.AISHA_BLOCKER in mine
    assert loop_scenario.MATEO_BLOCKER in others_words("hannah")


def test_each_home_is_a_view_of_its_own_in_the_transcripts_app_home_section() -> None:
    priya = _tab("priya", "manager", _priya("*Mood:* <script>x</script>"))
    priya.dms = [(_header("Welcome to Candor"),)]
    outcome = HomeOutcome([priya])

    [home] = home_conversations(outcome)
    users = {scenario.BOT_ID: ChatUser(scenario.BOT_ID, "Candor", is_bot=True)}
    users |= {m.slack_id: ChatUser(m.slack_id, m.name) for m in scenario.ORG}
    page = render_page("Fernwood", [home], users)

    assert (home.id, home.kind, home.group) == ("home-priya", "home", "App Home")
    assert '<h2 class="group">App Home</h2><a href="#home-priya">Priya Raman · manager</a>' in page
    assert "Priya Raman · manager · Candor's App Home (the Home tab)" in page
    assert '<div class="home">' in page and "@Mateo Fernández" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Welcome to Candor" in page  # the first visit's DM, after the Home
    assert home_total_rows(outcome)[0] == (
        "App Home",
        "1 Home tabs (manager), 1 published exactly once",
    )
