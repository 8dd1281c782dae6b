"""Badge catalogue: criteria per badge, tiers, progress."""

from __future__ import annotations

import pytest

from starguide.learning import badges
from starguide.learning.badges import CATALOGUE, Counter


def test_catalogue_is_large_unique_and_well_formed() -> None:
    assert len(CATALOGUE) >= 25
    assert len({b.key for b in CATALOGUE}) == len(CATALOGUE)
    assert len({b.name for b in CATALOGUE}) == len(CATALOGUE)
    for spec in CATALOGUE:
        assert list(spec.thresholds) == sorted(set(spec.thresholds)), spec.key
        assert spec.thresholds[0] >= 1
        assert len(spec.thresholds) <= len(badges.TIER_NAMES)
        assert ("{n}" in spec.description) == spec.tiered or spec.key in {"first-answer"}, spec.key


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.key)
def test_each_badge_unlocks_exactly_at_its_thresholds(spec: badges.BadgeSpec) -> None:
    earned: set[tuple[str, int]] = set()
    for tier, threshold in enumerate(spec.thresholds, start=1):
        below = {spec.counter.value: threshold - 1}
        assert list(badges.newly_earned([spec], below, earned)) == []
        at = {spec.counter.value: threshold}
        unlocks = badges.newly_earned([spec], at, earned)
        assert [(u.key, u.tier) for u in unlocks] == [(spec.key, tier)]
        earned.add((spec.key, tier))
        # Awarded once: the same counters unlock nothing more.
        assert badges.newly_earned([spec], at, earned) == []
    done = badges.progress(spec, {spec.counter.value: spec.thresholds[-1]}, earned)
    assert done.next_threshold is None
    assert done.fraction == 1.0


def test_a_jump_unlocks_every_tier_passed_and_progress_points_to_the_next() -> None:
    spec = badges.BY_KEY["correct-answers"]
    unlocks = badges.newly_earned([spec], {Counter.ANSWERS_CORRECT.value: 300}, set())
    assert [u.tier for u in unlocks] == [1, 2]
    p = badges.progress(spec, {Counter.ANSWERS_CORRECT.value: 300}, {(spec.key, 1), (spec.key, 2)})
    assert (p.tiers_earned, p.next_threshold) == (2, 1000)
    assert p.fraction == pytest.approx(0.3)
    assert p.next_description == "Answer 1,000 questions correctly"
    assert spec.tier_name(3) == "gold"
    assert badges.BY_KEY["first-quiz"].tier_name(1) is None
