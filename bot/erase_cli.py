"""`candor erase --email …`: erase a person from SQL, then from the vector index if this
process can open it (else the running server's indexer applies the queued deletions)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.settings import Settings, SettingsError
from store.erasure import ErasureReport, erase_person, preview_erasure
from store.privacy_requests import APPROVED
from store.repository import Store


def _lines(report: ErasureReport) -> list[str]:
    received = report.kudos_received_deleted + report.kudos_received_kept
    return [
        f"kudos they gave: {report.kudos_given} (deleted)",
        f"kudos they received: {received} ({report.kudos_received_deleted} deleted, "
        f"{report.kudos_received_kept} kept for their other recipients, without them)",
        f"kudos by others that name them: {report.kudos_redacted} (name redacted)",
        f"AI outputs that used their records: {report.ai_outputs_updated}",
        f"audit events to anonymize: {report.audit_events_anonymized}",
        f"chat conversation links: {report.conversations_deleted}",
        f"people reporting to them (unlinked): {report.reports_unlinked}",
    ]


def _apply_to_index(settings: Settings, store: Store) -> str:
    from bot.app import index_opener
    from handlers.services import utc_now
    from store.indexer import drain_outbox
    from store.vector.index import EmbedderMismatchError, IndexBusyError

    try:
        index = index_opener(settings, background=False)()
    except IndexBusyError:
        return (
            "The vector index is held by a running `candor serve`: its indexer removes these "
            "documents within seconds (the deletions are queued in the outbox)."
        )
    except EmbedderMismatchError:
        return "The vector index was built with another embedder: run `candor reindex`."
    try:
        while drain_outbox(store, index, utc_now(), batches=None):  # pipelined
            pass
    finally:
        index.close()
    return "Vector index updated: the erased documents are gone."


def run_erase(
    settings: Settings, args: argparse.Namespace, *, ask: Callable[[str], str] = input
) -> int:
    """Show what would be erased, confirm (unless --yes), erase and update the index.

    Raises:
        SettingsError: nobody in the directory has that email (exit code 2).
    """
    from handlers.services import utc_now

    store = Store.open(settings.database_url)
    try:
        person = store.people.by_email(args.email)
        if person is None or person.id is None:
            raise SettingsError(
                f"nobody with the email {args.email.strip()!r} is in Candor's directory"
            )
        print(f"This erases {person.name} <{person.email}> (person {person.id}) from Candor:")
        for line in _lines(preview_erasure(store, person.id)):
            print(f"  {line}")
        print("It can't be undone; the audit log keeps anonymous counts only.")
        if not args.yes:
            try:
                typed = ask("Type the email again to confirm: ")
            except EOFError:
                typed = ""
            if typed.strip().lower() != person.email:
                print("That doesn't match the email: nothing was erased.")
                return 1
        now = utc_now()
        request, _ = store.privacy.open_erasure(person.id, None, now)
        approved = store.privacy.decide(request.id or 0, to=APPROVED, by=None, at=now)
        report = erase_person(store, person.id, now, request_id=request.id if approved else None)
        if report is None:  # fulfilled from chat in the meantime
            print("This person was erased from chat in the meantime: nothing more to do.")
            return 0
        print(f"Erased from the database ({report.kudos_deleted} kudos deleted).")
        print(_apply_to_index(settings, store))
    finally:
        store.close()
    return 0
