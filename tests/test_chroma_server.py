"""Production mode: Candor against a real Chroma server (and PostgreSQL when configured).

The server is the session's (`chroma_url` in conftest), started once per run from the chromadb
package; `tests/test_vector_index.py` runs the index contract suite against it as well.
"""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path

import pytest

from bot.slack.standin import SlackStandIn
from store.kudos import doc_id
from store.vector import ChromaIndex, EmbedderMismatchError, HashingEmbedder, IndexDoc
from tests.chroma_server import ChromaServer, ChromaServerError
from tests.conftest import BOT_TOKEN, FakeClock, running_candor
from tests.digest_org import org_and_users, posted, seed_feedback

DOCS = [IndexDoc(f"d{i}", f"note {i} about the billing service", {"i": i}) for i in range(30)]


def _collection() -> str:
    return f"t_{uuid.uuid4().hex}"


def test_the_session_server_answers_its_heartbeat(chroma_url: str) -> None:
    host, port = chroma_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2):
        pass


def test_a_server_that_cannot_start_raises_with_its_log(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = ChromaServer(tmp_path / "data", port=taken.getsockname()[1])
        with pytest.raises(ChromaServerError, match="exited") as info:
            server.start()
    # The message carries the server's own words, so CI shows why it failed.
    assert "not available" in str(info.value) or "in use" in str(info.value)
    assert not server.healthy()
    server.stop()  # nothing left to stop: a no-op


def test_documents_outlive_the_client(chroma_url: str) -> None:
    name = _collection()
    first = ChromaIndex(HashingEmbedder(), url=chroma_url, collection=name)
    first.upsert(DOCS[:4])
    first.close()
    second = ChromaIndex(HashingEmbedder(), url=chroma_url, collection=name)
    try:
        assert second.ids() == {"d0", "d1", "d2", "d3"}
        assert second.query("note 2 about the billing service", k=1)[0].id == "d2"
    finally:
        second.close()


def test_server_collection_refuses_another_embedder(chroma_url: str) -> None:
    name = _collection()
    built = ChromaIndex(HashingEmbedder(), url=chroma_url, collection=name)
    built.upsert(DOCS[:2])
    built.close()
    with pytest.raises(EmbedderMismatchError, match="candor reindex"):
        ChromaIndex(HashingEmbedder(dimension=64), url=chroma_url, collection=name)
    rebuilt = ChromaIndex(
        HashingEmbedder(dimension=64), url=chroma_url, collection=name, recreate=True
    )
    try:
        assert rebuilt.count() == 0
    finally:
        rebuilt.close()


def test_server_batches_large_writes_and_pages_ids(chroma_url: str) -> None:
    index = ChromaIndex(HashingEmbedder(dimension=16), url=chroma_url, collection=_collection())
    try:
        index._batch = 7  # several chunks for upsert, delete, vectors and ids() paging
        index.upsert(DOCS)
        assert index.ids() == {d.id for d in DOCS}
        assert len(index.vectors([d.id for d in DOCS])) == 30
        index.delete([f"d{i}" for i in range(20)])
        assert index.ids() == {f"d{i}" for i in range(20, 30)}
    finally:
        index.close()


def test_the_server_never_gets_an_embedding_function(chroma_url: str) -> None:
    import chromadb

    name = _collection()
    ChromaIndex(HashingEmbedder(), url=chroma_url, collection=name).close()
    host, port = chroma_url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    configuration = client.get_collection(name, embedding_function=None).configuration_json
    # "legacy" is what chromadb records for "none given": nothing for it to download or run.
    assert configuration["embedding_function"] == {"type": "legacy"}
    assert configuration["hnsw"]["space"] == "cosine"


async def test_kudos_reach_the_server_and_the_digest_finds_their_themes(
    tmp_path: Path, database_url: str, clock: FakeClock, chroma_url: str
) -> None:
    csv_text, users = org_and_users()
    # Every run of this test shares the server's default collection: start it empty.
    leftover = ChromaIndex(HashingEmbedder(), url=chroma_url)
    leftover.reset()
    leftover.close()
    async with (
        SlackStandIn(users=users, token=BOT_TOKEN) as standin,
        running_candor(
            tmp_path,
            database_url,
            standin,
            clock,
            org_csv=csv_text,
            CHROMA_URL=chroma_url,
            CANDOR_HR_CHANNEL="C0HR",
        ) as harness,
    ):
        seed_feedback(harness)
        store = harness.candor.store
        seeded = max(k.id or 0 for k in store.kudos.page(0, 1000))
        sent = "<@UPA2|payments2> for restoring service calmly during the production outage"
        assert await harness.kudos(sent, user="UPA1") == 200
        [newest] = store.kudos.page(seeded, 10)
        assert newest.id is not None

        await harness.post(harness.command_body("", command="/digest", user="U0HR"))
        await harness.settle(len(harness.standin.calls), quiet=0.5)

        # The digest drained the outbox into the server, and read the vectors back from it.
        assert store.outbox.pending_count() == 0
        reader = ChromaIndex(HashingEmbedder(), url=chroma_url)
        try:
            assert doc_id(newest.id) in reader.ids()
            assert reader.count() == store.kudos.count()
        finally:
            reader.close()
        rendered = json.dumps([c.args.get("blocks") for c in posted(harness, "C0GENERAL")])
        assert "Themes digest" in rendered
        assert "outage" in rendered and "mentoring" in rendered
        assert "critique" not in rendered  # Design's topic has too few people to show
