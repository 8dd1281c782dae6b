"""The level curve: how much XP each level needs.

Going from level L to L + 1 costs 100 + 50 x (L - 1) XP, so early levels come quickly (level 2 at
100 XP, level 3 at 250, level 5 at 700) and later ones need steady work (level 10 at 2,700 XP,
level 20 at 10,450, level 50 at 63,700). At a 50-XP daily goal that is level 5 in about two weeks
and level 20 in about seven months. The step grows linearly, so total XP grows quadratically with the
level: a level always means a similar share of new effort rather than a fixed amount.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FIRST_STEP = 100
STEP_GROWTH = 50
MAX_LEVEL = 200


def xp_for_level(level: int) -> int:
    """Total XP needed to reach `level` (level 1 needs 0)."""
    if level <= 1:
        return 0
    n = level - 1
    return FIRST_STEP * n + STEP_GROWTH * n * (n - 1) // 2


def level_for_xp(xp: int) -> int:
    """The level a learner with `xp` total XP has reached."""
    if xp <= 0:
        return 1
    # Solve 25 n² + 75 n - xp = 0 for n = level - 1, then correct for rounding.
    n = int((-75 + math.sqrt(75 * 75 + 100 * xp)) / 50)
    level = max(1, n + 1)
    while level < MAX_LEVEL and xp_for_level(level + 1) <= xp:
        level += 1
    while level > 1 and xp_for_level(level) > xp:
        level -= 1
    return min(level, MAX_LEVEL)


@dataclass(frozen=True)
class LevelProgress:
    level: int
    xp: int
    level_start_xp: int
    next_level_xp: int | None  # None at the top level

    @property
    def fraction(self) -> float:
        if self.next_level_xp is None:
            return 1.0
        return (self.xp - self.level_start_xp) / (self.next_level_xp - self.level_start_xp)


def progress(xp: int) -> LevelProgress:
    level = level_for_xp(xp)
    top = level >= MAX_LEVEL
    return LevelProgress(level, xp, xp_for_level(level), None if top else xp_for_level(level + 1))
