"""A stored cycle as the plain records the calibration statistics take.

Ids are person ids as strings; rating records are `rating:<id>` and evidence records
`kudos:<id>`. Protected attributes enter here and leave only as group aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from handlers.errors import UsageError
from insights.calibration.records import Attribute, Evidence, Rating, Scale
from store.rating_models import RatingCycle
from store.repository import Store

if TYPE_CHECKING:
    from insights.calibration.report import CalibrationReport

# The evidence window the recency signal compares against: half a year before the ratings.
PERIOD = timedelta(days=182)


@dataclass(frozen=True)
class CycleData:
    """One cycle's ratings with the evidence, attributes and teams around them."""

    cycle: RatingCycle
    ratings: tuple[Rating, ...]
    evidence: tuple[Evidence, ...]
    attributes: tuple[Attribute, ...]
    teams: dict[str, str]

    @property
    def scale(self) -> Scale:
        """The cycle's rating scale."""
        return Scale(self.cycle.scale_low, self.cycle.scale_high)

    def calibrate(self, min_group: int) -> CalibrationReport:
        """Every signal over this cycle, teams from reporting lines."""
        # The statistics (numpy, scipy) load on first use, not with every command module.
        from insights.calibration.report import calibrate

        return calibrate(
            self.ratings,
            scale=self.scale,
            min_group=min_group,
            attributes=self.attributes,
            evidence=self.evidence,
            teams=self.teams,
        )


NO_RATINGS = (
    "No ratings yet. Import them with `candor ratings import ratings.csv` "
    "(columns cycle,rater_email,ratee_email,competency,score,rated_at)."
)


def find_cycle(store: Store, name: str | None, *, none_yet: str = NO_RATINGS) -> RatingCycle:
    """The named cycle, or the latest one.

    Args:
        none_yet: what to tell someone when there is no cycle at all.

    Raises:
        UsageError: no such cycle, or none yet.
    """
    cycles = store.ratings.cycles()
    if not cycles:
        raise UsageError(none_yet)
    if name is None:
        return cycles[0]
    found = store.ratings.cycle(name)
    if found is None:
        names = ", ".join(c.name for c in cycles[:10])
        raise UsageError(f"There's no cycle called {name!r}. Cycles: {names}.")
    return found


def load_cycle(store: Store, cycle: RatingCycle) -> CycleData:
    """Read one cycle's ratings and, for the people rated, kudos received in the half year
    before the ratings (the recency signal's evidence), attributes and reporting lines."""
    assert cycle.id is not None
    stored = store.ratings.in_cycle(cycle.id)
    ratings = tuple(
        Rating(
            cycle=cycle.name,
            rater=str(r.rater_id),
            ratee=str(r.ratee_id),
            competency=r.competency,
            score=r.score,
            rated_at=r.rated_at,
            record=f"rating:{r.id}",
        )
        for r in stored
    )
    ratees = {r.ratee for r in ratings}
    evidence: list[Evidence] = []
    if stored:
        end = max(r.rated_at for r in stored)
        for kudos in store.kudos.between(end - PERIOD, end + timedelta(seconds=1)):
            evidence.extend(
                Evidence(str(p), kudos.created_at, 1.0, f"kudos:{kudos.id}")
                for p in kudos.recipient_ids
                if str(p) in ratees
            )
    attributes = tuple(
        Attribute(str(person), attribute, value)
        for person, attribute, value in store.attributes.for_aggregates()
    )
    teams = {
        str(p.id): str(p.manager_id)
        for p in store.people.all()
        if p.manager_id is not None and str(p.id) in ratees
    }
    return CycleData(cycle, ratings, tuple(evidence), attributes, teams)
