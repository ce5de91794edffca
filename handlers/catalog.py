"""Every feature area, registered on one router. A new capability adds one line here."""

from __future__ import annotations

from handlers import (
    audit,
    calibration,
    checkins,
    data_rights,
    digest,
    feedback,
    goals,
    help,
    home,
    kudos,
    oneonones,
    privacy,
    reviews,
    settings_forms,
    skills,
)
from handlers.router import Router


def build_router() -> Router:
    """The router with every command Candor offers."""
    router = Router()
    kudos.register(router)
    checkins.register(router)
    goals.register(router)
    oneonones.register(router)
    feedback.register(router)
    reviews.register(router)
    calibration.register(router)
    digest.register(router)
    privacy.register(router)
    audit.register(router)
    data_rights.register(router)
    home.register(router)
    settings_forms.register(router)
    skills.register(router)
    help.register(router)  # last: it lists everything registered before it
    return router
