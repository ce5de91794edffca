"""SQL tables and repositories, the vector index and the outbox that feeds it."""
