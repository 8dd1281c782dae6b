"""Per-skill mastery: an online Bayesian logistic (Elo/IRT-style) model with forgetting and uncertainty.

Why this model and not BKT. The chance that a learner answers an item correctly is modelled as

    P(correct) = logistic(ability(learner) + offset(learner, skill) - difficulty(item))

where each of the three terms is a Gaussian belief (mean, variance) updated online after every graded
answer, in the manner of Glicko / TrueSkill (a one-step Laplace, i.e. extended-Kalman, update of a
logistic likelihood, shared between the terms in proportion to their variances). We chose this over
Bayesian Knowledge Tracing because

- questions differ in difficulty, and BKT has no item parameter: an IRT term separates "the learner
  is weak" from "the question is hard", and item difficulties are learned across all learners;
- BKT needs about 15+ attempts per skill to fit its four parameters per skill, while the shared
  learner ability gives a sensible estimate for a skill the learner has never practised;
- logistic models match or beat deeper ones on real tutoring data (ASSISTments 2009: logistic
  regression AUC 0.77, DKT 0.75, IRT 0.69), and the Gaussian beliefs give an uncertainty for free.

Time and practice. Before each use, the skill offset forgets: its mean decays towards the learner's
general ability with a half-life and its variance grows with the days since last practice (and a
little with every attempt, so the estimate keeps tracking a learner who is improving).

Assisted evidence. An answer given after a hint was shown, or shortly after the mentor was asked about
the question or skill, is weighted by `assisted_weight` (< 1) in the likelihood: it moves the estimate
less and shrinks its uncertainty less, because a correct answer with help says little about what the
learner can do alone.

`bench/learning_eval.py` evaluates the model against two baselines on two fixed generators of
simulated learners; `docs/learning.md` has the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

SECONDS_PER_DAY = 86_400.0
_PI_OVER_8 = math.pi / 8.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MasteryParams:
    """Hyperparameters, tuned on the tuning seeds of `bench/learning_eval.py`, never its evaluation seeds."""

    prior_var_learner: float = 1.0
    prior_var_skill: float = 0.5
    prior_var_item: float = 1.0
    # Items keep a little variance so difficulty follows content edits and the population.
    min_var_item: float = 0.01
    min_var_learner: float = 0.01
    # Added to the skill's variance at each attempt: learners change while they practise.
    attempt_noise: float = 0.08
    # Added per day without practice (capped at the prior): older evidence is less certain.
    drift_var_per_day: float = 0.01
    # Half-life, in days, of the skill offset's distance from the learner's general ability.
    forget_half_life_days: float = 30.0
    # Likelihood weight of assisted evidence (1.0 would treat it like unassisted evidence).
    assisted_weight: float = 0.35
    # Share of an update that also moves the learner's general ability (transfer across skills).
    learner_share: float = 1.0
    # Mastery threshold on P(correct) for an item of average difficulty.
    mastered_probability: float = 0.8
    # ... and the lower end of its 90 % interval must clear this, so a lucky streak of three is not mastery.
    mastered_min_low: float = 0.6


DEFAULT_PARAMS = MasteryParams()


@dataclass(frozen=True)
class Belief:
    """A Gaussian belief on a logit-scale quantity."""

    mean: float
    var: float

    @property
    def sd(self) -> float:
        return math.sqrt(self.var)


@dataclass(frozen=True)
class SkillBelief:
    """The learner's skill-specific offset, with the time (in days since the epoch) it was last practised."""

    mean: float
    var: float
    last_day: float | None = None
    attempts: int = 0


def learner_prior(params: MasteryParams = DEFAULT_PARAMS) -> Belief:
    return Belief(0.0, params.prior_var_learner)


def skill_prior(params: MasteryParams = DEFAULT_PARAMS) -> SkillBelief:
    return SkillBelief(0.0, params.prior_var_skill)


def item_prior(difficulty: float | None = None, params: MasteryParams = DEFAULT_PARAMS) -> Belief:
    """An item's difficulty belief; an author's 0..1 difficulty maps to the logit scale (0.5 → 0)."""
    mean = 0.0 if difficulty is None else 3.0 * (min(1.0, max(0.0, difficulty)) - 0.5)
    return Belief(mean, params.prior_var_item)


def to_days(instant: datetime) -> float:
    return (instant - EPOCH).total_seconds() / SECONDS_PER_DAY


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def age_skill(skill: SkillBelief, day: float, params: MasteryParams = DEFAULT_PARAMS) -> SkillBelief:
    """The skill belief as it stands on `day`: forgetting applied for the time since last practice."""
    if skill.last_day is None or day <= skill.last_day:
        return skill
    gap = day - skill.last_day
    decay = 0.5 ** (gap / params.forget_half_life_days)
    var = min(params.prior_var_skill, skill.var + params.drift_var_per_day * gap)
    return replace(skill, mean=skill.mean * decay, var=max(var, skill.var))


def predict(
    learner: Belief, skill: SkillBelief, item: Belief, day: float, params: MasteryParams = DEFAULT_PARAMS
) -> float:
    """P(correct) for this learner, skill and item on `day`, integrating over the uncertainty."""
    aged = age_skill(skill, day, params)
    mean = learner.mean + aged.mean - item.mean
    var = params.learner_share * learner.var + aged.var + item.var
    return _sigmoid(mean / math.sqrt(1.0 + _PI_OVER_8 * var))


@dataclass(frozen=True)
class Update:
    learner: Belief
    skill: SkillBelief
    item: Belief
    predicted: float  # P(correct) before the answer


def update(
    learner: Belief,
    skill: SkillBelief,
    item: Belief,
    *,
    score: float,
    assisted: bool,
    day: float,
    params: MasteryParams = DEFAULT_PARAMS,
    learn_item: bool = True,
) -> Update:
    """Fold one graded answer (`score` in 0..1, 1 = correct) into the three beliefs.

    The answer's log-likelihood is weighted (`assisted_weight` when assisted); a single Laplace step on
    the sum `ability + offset - difficulty` is split between the terms in proportion to their variance.
    """
    aged = age_skill(skill, day, params)
    aged = replace(aged, var=min(params.prior_var_skill, aged.var + params.attempt_noise))
    v_learner = params.learner_share * learner.var
    v_item = item.var if learn_item else 0.0
    total_var = v_learner + aged.var + v_item
    mean = learner.mean + aged.mean - item.mean
    p = _sigmoid(mean / math.sqrt(1.0 + _PI_OVER_8 * total_var))
    weight = params.assisted_weight if assisted else 1.0
    y = min(1.0, max(0.0, score))
    gradient = weight * (y - p)
    hessian = weight * p * (1.0 - p)
    denominator = 1.0 + hessian * total_var
    step = gradient / denominator
    shrink = hessian / denominator

    new_learner = Belief(
        learner.mean + v_learner * step,
        max(params.min_var_learner, learner.var - v_learner * learner.var * shrink),
    )
    new_skill = SkillBelief(
        aged.mean + aged.var * step,
        max(1e-4, aged.var - aged.var * aged.var * shrink),
        last_day=day,
        attempts=skill.attempts + 1,
    )
    new_item = (
        Belief(item.mean - v_item * step, max(params.min_var_item, item.var - v_item * item.var * shrink))
        if learn_item
        else item
    )
    return Update(new_learner, new_skill, new_item, p)


@dataclass(frozen=True)
class MasteryEstimate:
    """What a learner and their mentor see for one skill."""

    probability: float  # P(correct) on an item of average difficulty, today
    low: float  # 90 % credible interval of that probability
    high: float
    sd: float  # uncertainty of the skill's logit-scale ability
    mastered: bool
    attempts: int


def estimate(
    learner: Belief, skill: SkillBelief, day: float, params: MasteryParams = DEFAULT_PARAMS
) -> MasteryEstimate:
    """Mastery of a skill on `day`: the probability of success on an average item, with its uncertainty."""
    aged = age_skill(skill, day, params)
    mean = learner.mean + aged.mean
    var = params.learner_share * learner.var + aged.var
    sd = math.sqrt(var)
    probability = _sigmoid(mean / math.sqrt(1.0 + _PI_OVER_8 * var))
    low = _sigmoid(mean - 1.645 * sd)
    return MasteryEstimate(
        probability=probability,
        low=low,
        high=_sigmoid(mean + 1.645 * sd),
        sd=sd,
        mastered=probability >= params.mastered_probability and low >= params.mastered_min_low,
        attempts=skill.attempts,
    )


def course_mastery(estimates: list[MasteryEstimate]) -> float:
    """A course's mastery: the mean of its skills' probabilities (0 when it has no skills yet)."""
    if not estimates:
        return 0.0
    return sum(e.probability for e in estimates) / len(estimates)
