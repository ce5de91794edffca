"""The `Store`: one object that owns the database engine and hands out the repositories."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.ai_outputs import AIOutputRepo
from store.attributes import AttributeRepo
from store.audit import AuditRepo
from store.checkins import CheckinRepo
from store.competencies import CompetencyRepo
from store.conversations import ConversationRepo
from store.db import make_engine, migrate
from store.deliveries import DeliveryRepo
from store.feedback import FeedbackRepo
from store.goals import GoalRepo
from store.kudos import KudosRepo
from store.oneonones import OneOnOneRepo
from store.org_settings import OrgSettingsRepo
from store.outbox import OutboxRepo
from store.people import PeopleRepo
from store.person_settings import PersonSettingsRepo
from store.privacy_requests import PrivacyRequestRepo
from store.ratings import RatingRepo
from store.request_queue import RequestQueue
from store.reviews import ReviewRepo
from store.skill_evidence import SkillEvidenceRepo


class Store:
    """SQL storage: the source of truth for everything Candor keeps."""

    def __init__(self, engine: Engine, request_queue: RequestQueue | None = None) -> None:
        self.engine = engine
        self.people = PeopleRepo(engine)
        self.kudos = KudosRepo(engine)
        self.outbox = OutboxRepo(engine)
        self.audit = AuditRepo(engine)
        self.deliveries = DeliveryRepo(engine)
        self.ai_outputs = AIOutputRepo(engine)
        self.conversations = ConversationRepo(engine)
        self.privacy = PrivacyRequestRepo(engine)
        self.settings = PersonSettingsRepo(engine)
        self.checkins = CheckinRepo(engine)
        self.goals = GoalRepo(engine)
        self.oneonones = OneOnOneRepo(engine)
        self.org_settings = OrgSettingsRepo(engine)
        self.feedback = FeedbackRepo(engine)
        self.reviews = ReviewRepo(engine)
        self.ratings = RatingRepo(engine)
        self.attributes = AttributeRepo(engine)
        self.competencies = CompetencyRepo(engine)
        self.skill_evidence = SkillEvidenceRepo(engine)
        self.request_queue = request_queue or RequestQueue(engine)

    @classmethod
    def open(cls, url: str, *, run_migrations: bool = True) -> Store:
        """Connect to `url` (SQLite or PostgreSQL) and, by default, migrate to the latest schema."""
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine, RequestQueue.beside(url, engine))

    def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
        self.request_queue.close()
