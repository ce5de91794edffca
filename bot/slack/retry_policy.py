"""How Candor's Slack Web API client retries: 429s after their Retry-After, 5xx and timeouts
with exponential backoff and jitter. A send still failing after these is counted on its
delivery key by the scheduler (`store.deliveries`), which dead-letters it after
`CANDOR_DELIVERY_MAX_ATTEMPTS` rounds.

slack_sdk's built-in handlers retry only 500 and 503, and no timeouts (aiohttp raises a plain
`TimeoutError` when a request's total time runs out); these extend them.
"""

from __future__ import annotations

from aiohttp import ClientOSError, ServerConnectionError, ServerDisconnectedError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Gateway errors are as passing as an internal error: Slack's own retry advice covers them.
RETRIED_STATUSES = frozenset({500, 502, 503, 504})
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2


class ServerErrorRetryHandler(AsyncRetryHandler):
    """Retries 500, 502, 503 and 504 answers with backoff."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in RETRIED_STATUSES


def slack_retry_handlers() -> list[AsyncRetryHandler]:
    """A fresh set of retry handlers for one `AsyncWebClient`."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        AsyncConnectionErrorRetryHandler(
            max_retry_count=CONNECTION_RETRIES,
            error_types=[
                ServerConnectionError,
                ServerDisconnectedError,
                ClientOSError,
                TimeoutError,  # the client's total timeout
            ],
        ),
    ]
