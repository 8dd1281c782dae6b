"""Mastery model evaluation on simulated learners: AUC and calibration against two baselines.

Two answer generators are fixed here (issue 7), so no model is judged only on data of its own shape:

(a) ``irt``: per learner-skill ability θ; P(correct) = logistic(θ - item difficulty); θ rises with
    practice and the gain decays exponentially with the time since the skill was last practised.
(b) ``bkt``: a hidden binary mastery per skill, with learn, slip, guess and forget probabilities.

Each model predicts every answer before seeing it (answers of all learners in time order, so item
difficulties are learned from the learners who came before). Reported, per generator:
the mastery model (``starguide.learning.mastery``), and two baselines run on the same answers:
``percent_correct`` (the learner's running percent-correct on that skill) and ``item_difficulty``
(the running percent-correct of the question over all learners). Metrics: AUC (by rank, ties halved)
and ECE (10 equal-width bins).

    PYTHONPATH=src python bench/learning_eval.py            # evaluation seeds
    PYTHONPATH=src python bench/learning_eval.py --tuning   # the seeds the model was tuned on

Hyperparameters were tuned on the tuning seeds only; the evaluation seeds are disjoint. Output lines:
``BENCH <name> <value> <unit>``. Pure Python, seeded, runs in well under two minutes.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from starguide.learning import mastery

EVALUATION_SEEDS = (7001, 7002)
TUNING_SEEDS = (11, 12)


@dataclass(frozen=True)
class Answer:
    day: float
    learner: int
    skill: int
    item: int
    correct: bool
    assisted: bool = False


# The "assisted" variant of both generators: this share of answers gets help (a hint), which makes a
# correct answer likely whatever the learner knows and teaches less than working it out alone.
ASSIST_RATE = 0.25


@dataclass(frozen=True)
class Population:
    learners: int = 150
    skills: int = 6
    items_per_skill: int = 20
    days: int = 60


def _sessions(rng: random.Random, pop: Population) -> Iterator[tuple[int, float, list[int]]]:
    """(learner, start day, skills practised) for every study session; shared by both generators."""
    for learner in range(pop.learners):
        activity = rng.uniform(0.15, 0.6)
        preference = [rng.random() + 0.2 for _ in range(pop.skills)]
        for day in range(pop.days):
            if rng.random() >= activity:
                continue
            start = day + rng.uniform(0.3, 0.9)
            count = 1 if rng.random() < 0.6 else 2
            chosen = rng.choices(range(pop.skills), weights=preference, k=count)
            yield learner, start, chosen


def _session_items(rng: random.Random, pop: Population, skill: int) -> list[int]:
    n = rng.randint(4, 12)
    return [skill * pop.items_per_skill + rng.randrange(pop.items_per_skill) for _ in range(n)]


def generate_irt(seed: int, pop: Population = Population(), assist_rate: float = 0.0) -> list[Answer]:
    """Generator (a): logistic IRT with practice growth and exponential forgetting of the gain."""
    rng = random.Random(seed)
    helper = random.Random(seed + 1_000_003)  # a separate stream: runs without help draw exactly as before
    difficulty = [rng.gauss(0.0, 1.0) for _ in range(pop.skills * pop.items_per_skill)]
    base = [
        [ability + rng.gauss(0.0, 0.6) - 0.5 for _ in range(pop.skills)]
        for ability in (rng.gauss(0.0, 0.9) for _ in range(pop.learners))
    ]
    gain = [[0.0] * pop.skills for _ in range(pop.learners)]
    last = [[-1.0] * pop.skills for _ in range(pop.learners)]
    rate = [rng.uniform(0.03, 0.12) for _ in range(pop.learners)]
    memory_days = 25.0
    answers: list[Answer] = []
    for learner, start, skills in _sessions(rng, pop):
        t = start
        for skill in skills:
            if last[learner][skill] >= 0:
                gain[learner][skill] *= math.exp(-(t - last[learner][skill]) / memory_days)
            for item in _session_items(rng, pop, skill):
                theta = base[learner][skill] + gain[learner][skill]
                assisted = helper.random() < assist_rate
                boost = 2.5 if assisted else 0.0
                p = 1.0 / (1.0 + math.exp(-(theta + boost - difficulty[item])))
                answers.append(Answer(t, learner, skill, item, rng.random() < p, assisted))
                gain[learner][skill] += rate[learner] * (0.3 if assisted else 1.0)
                t += 1.0 / 1440.0
            last[learner][skill] = t
    answers.sort(key=lambda a: a.day)
    return answers


def generate_bkt(seed: int, pop: Population = Population(), assist_rate: float = 0.0) -> list[Answer]:
    """Generator (b): hidden binary mastery per skill with learn, slip, guess and forget probabilities."""
    rng = random.Random(seed)
    helper = random.Random(seed + 1_000_003)
    init = [rng.uniform(0.1, 0.4) for _ in range(pop.skills)]
    learn = [rng.uniform(0.05, 0.2) for _ in range(pop.skills)]
    slip = [rng.uniform(0.05, 0.15) for _ in range(pop.skills)]
    guess = [rng.uniform(0.15, 0.3) for _ in range(pop.skills)]
    forget = [rng.uniform(0.01, 0.04) for _ in range(pop.skills)]  # per day without practice
    known = [[rng.random() < init[s] for s in range(pop.skills)] for _ in range(pop.learners)]
    last = [[-1.0] * pop.skills for _ in range(pop.learners)]
    answers: list[Answer] = []
    for learner, start, skills in _sessions(rng, pop):
        t = start
        for skill in skills:
            if known[learner][skill] and last[learner][skill] >= 0:
                days = t - last[learner][skill]
                if rng.random() > (1.0 - forget[skill]) ** days:
                    known[learner][skill] = False
            for item in _session_items(rng, pop, skill):
                assisted = helper.random() < assist_rate
                p = 1.0 - slip[skill] if known[learner][skill] else guess[skill]
                if assisted:
                    p = max(p, 0.85)
                answers.append(Answer(t, learner, skill, item, rng.random() < p, assisted))
                if not known[learner][skill] and rng.random() < learn[skill] * (0.5 if assisted else 1.0):
                    known[learner][skill] = True
                t += 1.0 / 1440.0
            last[learner][skill] = t
    answers.sort(key=lambda a: a.day)
    return answers


Predictor = Callable[[list[Answer]], list[float]]


def predict_mastery(
    answers: list[Answer], params: mastery.MasteryParams = mastery.DEFAULT_PARAMS
) -> list[float]:
    learners: dict[int, mastery.Belief] = {}
    skills: dict[tuple[int, int], mastery.SkillBelief] = {}
    items: dict[int, mastery.Belief] = {}
    out: list[float] = []
    for a in answers:
        learner = learners.get(a.learner) or mastery.learner_prior(params)
        skill = skills.get((a.learner, a.skill)) or mastery.skill_prior(params)
        item = items.get(a.item) or mastery.item_prior(None, params)
        result = mastery.update(
            learner,
            skill,
            item,
            score=1.0 if a.correct else 0.0,
            assisted=a.assisted,
            day=a.day,
            params=params,
        )
        out.append(result.predicted)
        learners[a.learner], skills[(a.learner, a.skill)], items[a.item] = (
            result.learner,
            result.skill,
            result.item,
        )
    return out


def predict_percent_correct(answers: list[Answer]) -> list[float]:
    """Baseline 1: the learner's running percent-correct on the skill (plus one answer at the mean)."""
    counts: dict[tuple[int, int], list[int]] = {}
    right = 0
    out: list[float] = []
    for total, a in enumerate(answers):
        overall = (right + 1) / (total + 2)
        c = counts.setdefault((a.learner, a.skill), [0, 0])
        out.append((c[0] + overall) / (c[1] + 1))
        c[0] += a.correct
        c[1] += 1
        right += a.correct
    return out


def predict_item_difficulty(answers: list[Answer]) -> list[float]:
    """Baseline 2: per-question difficulty only (the question's running percent-correct over all learners)."""
    counts: dict[int, list[int]] = {}
    right = 0
    out: list[float] = []
    for total, a in enumerate(answers):
        overall = (right + 1) / (total + 2)
        c = counts.setdefault(a.item, [0, 0])
        out.append((c[0] + overall) / (c[1] + 1))
        c[0] += a.correct
        c[1] += 1
        right += a.correct
    return out


def auc(predictions: list[float], outcomes: list[bool]) -> float:
    """Area under the ROC curve by ranks (Mann-Whitney U), ties counted half."""
    order = sorted(range(len(predictions)), key=predictions.__getitem__)
    ranks = [0.0] * len(predictions)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and predictions[order[j + 1]] == predictions[order[i]]:
            j += 1
        mean_rank = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank
        i = j + 1
    positives = sum(outcomes)
    negatives = len(outcomes) - positives
    if positives == 0 or negatives == 0:
        return 0.5
    rank_sum = sum(r for r, y in zip(ranks, outcomes, strict=True) if y)
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def ece(predictions: list[float], outcomes: list[bool], bins: int = 10) -> float:
    """Expected calibration error: the answer-weighted gap between mean prediction and accuracy per bin."""
    sums = [[0.0, 0.0, 0] for _ in range(bins)]
    for p, y in zip(predictions, outcomes, strict=True):
        b = sums[min(bins - 1, int(p * bins))]
        b[0] += p
        b[1] += y
        b[2] += 1
    n = len(predictions)
    return sum(abs(s[0] - s[1]) for s in sums if s[2]) / n if n else 0.0


GENERATORS: dict[str, Callable[[int], list[Answer]]] = {"irt": generate_irt, "bkt": generate_bkt}
MODELS: dict[str, Predictor] = {
    "mastery": predict_mastery,
    "percent_correct": predict_percent_correct,
    "item_difficulty": predict_item_difficulty,
}


def evaluate(seeds: tuple[int, ...]) -> dict[tuple[str, str], tuple[float, float, int]]:
    """(generator, model) → (AUC, ECE, answers) over all `seeds` pooled."""
    results: dict[tuple[str, str], tuple[float, float, int]] = {}
    for gen_name, generate in GENERATORS.items():
        histories = [generate(seed) for seed in seeds]
        outcomes = [a.correct for h in histories for a in h]
        for model_name, model in MODELS.items():
            predictions = [p for h in histories for p in model(h)]
            results[(gen_name, model_name)] = (
                auc(predictions, outcomes),
                ece(predictions, outcomes),
                len(outcomes),
            )
    return results


def evaluate_assisted(seeds: tuple[int, ...]) -> dict[tuple[str, str], tuple[float, float, int]]:
    """With help on some answers: predict the unassisted ones, weighting assisted evidence or not."""
    from dataclasses import replace

    variants: dict[str, Predictor] = {
        "mastery": predict_mastery,
        "mastery_unweighted": lambda h: predict_mastery(
            h, replace(mastery.DEFAULT_PARAMS, assisted_weight=1.0)
        ),
        "percent_correct": predict_percent_correct,
    }
    results: dict[tuple[str, str], tuple[float, float, int]] = {}
    for gen_name, generate in (("irt", generate_irt), ("bkt", generate_bkt)):
        histories = [generate(seed, Population(), ASSIST_RATE) for seed in seeds]
        keep = [[not a.assisted for a in h] for h in histories]
        outcomes = [a.correct for h in histories for a in h if not a.assisted]
        for name, model in variants.items():
            predictions = [
                p for h, k in zip(histories, keep, strict=True) for p, x in zip(model(h), k, strict=True) if x
            ]
            results[(gen_name, name)] = (
                auc(predictions, outcomes),
                ece(predictions, outcomes),
                len(outcomes),
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tuning", action="store_true", help="run on the tuning seeds instead")
    args = parser.parse_args(argv)
    seeds = TUNING_SEEDS if args.tuning else EVALUATION_SEEDS
    started = time.perf_counter()
    results = evaluate(seeds)
    print(f"# seeds {list(seeds)} ({'tuning' if args.tuning else 'evaluation'})")
    beats = True
    for (gen_name, model_name), (area, calibration, n) in results.items():
        print(f"BENCH learning_eval.{gen_name}.{model_name}.auc {area:.4f} auc")
        print(f"BENCH learning_eval.{gen_name}.{model_name}.ece {calibration:.4f} ece")
        if model_name == "mastery":
            print(f"BENCH learning_eval.{gen_name}.answers {n} answers")
    for gen_name in GENERATORS:
        model_auc, model_ece, _ = results[(gen_name, "mastery")]
        for baseline in ("percent_correct", "item_difficulty"):
            base_auc, base_ece, _ = results[(gen_name, baseline)]
            better = model_auc > base_auc and model_ece < base_ece
            beats = beats and better
            print(
                f"# {gen_name}: mastery vs {baseline}: AUC {model_auc - base_auc:+.4f}, "
                f"ECE {model_ece - base_ece:+.4f} -> {'better' if better else 'NOT better'}"
            )
    print(f"BENCH learning_eval.beats_baselines {int(beats)} bool")
    # Assisted variant: 25 % of answers helped; scored on the unassisted answers only.
    for (gen_name, model_name), (area, calibration, _n) in evaluate_assisted(seeds).items():
        print(f"BENCH learning_eval.{gen_name}_assisted.{model_name}.auc {area:.4f} auc")
        print(f"BENCH learning_eval.{gen_name}_assisted.{model_name}.ece {calibration:.4f} ece")
    print(f"BENCH learning_eval.seconds {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
