"""Mastery model: updates, forgetting, uncertainty and the weight of assisted evidence."""

from __future__ import annotations

from starguide.learning import mastery as m


def _answer(
    learner: m.Belief,
    skill: m.SkillBelief,
    item: m.Belief,
    *,
    correct: bool,
    assisted: bool = False,
    day: float = 0.0,
) -> m.Update:
    return m.update(learner, skill, item, score=1.0 if correct else 0.0, assisted=assisted, day=day)


def test_correct_answers_raise_mastery_and_shrink_uncertainty() -> None:
    learner, skill, item = m.learner_prior(), m.skill_prior(), m.item_prior(0.5)
    before = m.estimate(learner, skill, 0.0)
    for i in range(10):
        u = _answer(learner, skill, item, correct=True, day=i / 1000)
        learner, skill, item = u.learner, u.skill, u.item
    after = m.estimate(learner, skill, 0.01)
    assert after.probability > before.probability + 0.2
    assert after.sd < before.sd
    assert after.low < after.probability < after.high
    assert skill.attempts == 10


def test_wrong_answers_lower_mastery_and_make_the_item_look_harder() -> None:
    learner, skill, item = m.learner_prior(), m.skill_prior(), m.item_prior(0.5)
    u = _answer(learner, skill, item, correct=False)
    assert u.predicted == 0.5
    assert m.estimate(u.learner, u.skill, 0.0).probability < 0.5
    assert u.item.mean > item.mean


def test_assisted_evidence_moves_the_estimate_less() -> None:
    learner, skill, item = m.learner_prior(), m.skill_prior(), m.item_prior(0.5)
    alone = _answer(learner, skill, item, correct=True)
    helped = _answer(learner, skill, item, correct=True, assisted=True)
    assert alone.skill.mean > helped.skill.mean > skill.mean
    assert alone.skill.var < helped.skill.var
    # A wrong answer with help also says less than one without.
    wrong_alone = _answer(learner, skill, item, correct=False)
    wrong_helped = _answer(learner, skill, item, correct=False, assisted=True)
    assert wrong_alone.skill.mean < wrong_helped.skill.mean < skill.mean


def test_forgetting_pulls_the_skill_back_and_widens_uncertainty() -> None:
    learner, skill, item = m.learner_prior(), m.skill_prior(), m.item_prior(0.3)
    for i in range(8):
        u = _answer(learner, skill, item, correct=True, day=10.0 + i / 1000)
        learner, skill, item = u.learner, u.skill, u.item
    fresh = m.estimate(learner, skill, 10.01)
    later = m.estimate(learner, skill, 70.0)
    assert later.probability < fresh.probability
    assert later.sd > fresh.sd
    aged = m.age_skill(skill, 10.0 + m.DEFAULT_PARAMS.forget_half_life_days + 0.007)
    assert abs(aged.mean - skill.mean / 2) < 0.01


def test_item_difficulty_is_learned_across_learners_and_authored_difficulty_is_the_prior() -> None:
    assert m.item_prior(0.9).mean > m.item_prior(0.5).mean == 0.0 > m.item_prior(0.1).mean
    item = m.item_prior(0.5)
    for learner_index in range(30):
        u = _answer(m.learner_prior(), m.skill_prior(), item, correct=learner_index % 10 == 0)
        item = u.item
    assert item.mean > 1.0  # most learners fail it: it is hard
    assert item.var < 0.2


def test_learner_ability_transfers_to_an_unpractised_skill() -> None:
    learner, item = m.learner_prior(), m.item_prior(0.5)
    skill = m.skill_prior()
    for i in range(15):
        u = _answer(learner, skill, item, correct=True, day=i / 1000)
        learner, skill, item = u.learner, u.skill, u.item
    other = m.estimate(learner, m.skill_prior(), 1.0)
    assert other.probability > 0.6
    assert other.sd > m.estimate(learner, skill, 0.02).sd


def test_partial_scores_and_mastered_flag() -> None:
    learner, skill, item = m.learner_prior(), m.skill_prior(), m.item_prior(0.5)
    half = m.update(learner, skill, item, score=0.5, assisted=False, day=0.0)
    assert abs(half.skill.mean - skill.mean) < 1e-9  # 0.5 observed where 0.5 predicted: no move
    for i in range(40):
        u = _answer(learner, skill, item, correct=True, day=i / 1000)
        learner, skill, item = u.learner, u.skill, u.item
    assert m.estimate(learner, skill, 0.05).mastered
    assert not m.estimate(m.learner_prior(), m.skill_prior(), 0.0).mastered
    assert m.course_mastery([]) == 0.0
    e = m.estimate(learner, skill, 0.05)
    assert m.course_mastery([e, e]) == e.probability
