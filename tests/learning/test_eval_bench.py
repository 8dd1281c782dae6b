"""The mastery evaluation bench: its metrics, its generators' determinism, and the model beating baselines."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "learning_eval.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("learning_eval", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["learning_eval"] = module
    spec.loader.exec_module(module)
    return module


def test_auc_by_rank_and_ece(bench: ModuleType) -> None:
    assert bench.auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0
    assert bench.auc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]) == 0.0
    assert bench.auc([0.5, 0.5, 0.5, 0.5], [False, True, False, True]) == 0.5
    assert bench.auc([0.3, 0.6], [True, True]) == 0.5
    assert bench.ece([0.25, 0.25, 0.25, 0.25], [True, False, False, False]) == 0.0
    assert bench.ece([0.9, 0.9], [False, False]) == pytest.approx(0.9)


def test_generators_are_seeded_and_differ(bench: ModuleType) -> None:
    small = bench.Population(learners=20, days=20)
    for generate in (bench.generate_irt, bench.generate_bkt):
        a, b = generate(3, small), generate(3, small)
        assert a == b
        assert a != generate(4, small)
        assert all(x.day <= y.day for x, y in itertools.pairwise(a))
        assert not any(x.assisted for x in a)
        helped = generate(3, small, 0.25)
        assert 0.15 < sum(x.assisted for x in helped) / len(helped) < 0.35


def test_mastery_beats_both_baselines_on_a_small_population(bench: ModuleType) -> None:
    pop = bench.Population(learners=60, days=30)
    for generate in (bench.generate_irt, bench.generate_bkt):
        answers = generate(99, pop)
        outcomes = [a.correct for a in answers]
        model = bench.auc(bench.predict_mastery(answers), outcomes)
        assert model > bench.auc(bench.predict_percent_correct(answers), outcomes)
        assert model > bench.auc(bench.predict_item_difficulty(answers), outcomes)
