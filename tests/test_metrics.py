"""`GET /metrics`: Prometheus text with requests, ack latency, outcomes and queue depths."""

from __future__ import annotations

import re

from tests.conftest import SlackHarness

_SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? -?[0-9.e+]+(Inf)?$')


async def _scrape(slack: SlackHarness) -> dict[str, float]:
    async with slack.http.get(slack.server.make_url("/metrics")) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        body = await response.text()
    samples = {}
    for line in body.splitlines():
        if line.startswith("#"):
            continue
        assert _SAMPLE.match(line), line  # every sample is valid exposition format
        name, _, value = line.rpartition(" ")
        samples[name] = float(value)
    return samples


async def test_requests_acks_outcomes_and_gauges_are_exported(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> for the calm release #ownership", user="U0LI")
    await slack.kudos("<@U0LI|li> for reviewing my own work", user="U0LI")  # refused: self
    async with slack.http.get(slack.server.make_url("/no/such/page")) as response:
        assert response.status == 404

    samples = await _scrape(slack)

    assert samples['candor_http_requests_total{route="/slack/events",status="200"}'] == 2
    assert samples['candor_http_requests_total{route="other",status="404"}'] == 1
    assert samples['candor_http_request_seconds_count{route="/slack/events"}'] == 2
    ack = samples['candor_http_request_seconds_bucket{route="/slack/events",le="+Inf"}']
    assert ack == 2
    handled = 'candor_requests_handled_total{kind="command",outcome="%s",platform="slack"}'
    assert samples[handled % "ok"] == 1 and samples[handled % "error"] == 1
    assert samples["candor_requests_in_flight"] == 0
    assert "candor_outbox_pending" in samples
    assert samples["candor_scheduler_leader"] in (0, 1)


async def test_metrics_hold_no_ids_or_content(slack: SlackHarness) -> None:
    await slack.kudos("<@U0SAM|sam> for the calm release #ownership", user="U0LI")

    async with slack.http.get(slack.server.make_url("/metrics")) as response:
        body = await response.text()

    for secret in ("U0LI", "U0SAM", "calm release", "T0CANDOR", "li@example.com"):
        assert secret not in body
