import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { useAuth } from '@/lib/auth/context'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderAt } from '@/test/render'
import BadgesPage from './BadgesPage'
import LeaderboardPage from './LeaderboardPage'
import { ProgressOverview } from './ProgressOverview'
import { type ProgressEvent, ProgressToasts } from './ProgressToasts'
import ReviewPage from './ReviewPage'
import SkillsPage from './SkillsPage'

afterEach(() => clearSession())

const ORG = '00000000-0000-4000-8000-000000000001'
const learner = {
  'POST /api/v1/auth/refresh': () => json(tokenPair()),
  'GET /api/v1/me': () => json(meBody('learner')),
}

const firstLight = {
  key: 'first-answer',
  name: 'First Light',
  tier: 1,
  tier_name: 'bronze',
  description: 'Answer your first question correctly',
  earned_at: '2026-11-25T10:00:00Z',
}

export const home = {
  learner_id: 'u-lee',
  level: { level: 3, xp_total: 300, level_start_xp: 250, next_level_xp: 450, fraction: 0.25 },
  streak: { current: 4, longest: 9, freezes: 1, today_counted: false, at_risk: true, on_vacation: false },
  daily_goal: { day: '2026-11-25', goal_xp: 50, xp_today: 20, met: false, fraction: 0.4 },
  due_reviews: 2,
  what_next: [
    { kind: 'review', reason: '2 questions are due for review.', count: 2 },
    {
      kind: 'practice',
      reason: '“Distances” is your weakest skill.',
      skill_id: 's-1',
      skill_name: 'Distances',
      course_id: 'c-1',
      course_title: 'The sky',
      lesson_id: 'l-2',
      lesson_title: 'Parsecs',
      mastery: 0.31,
    },
    { kind: 'new', reason: 'When you are done, continue with new content.' },
  ],
  recent_badges: [firstLight],
  settings: { daily_goal_xp: 50, desired_retention: 0.9, leaderboard_mode: 'visible', time_zone: 'UTC' },
}

describe('learner home', () => {
  it('shows level, XP bar, streak with freezes, goal ring, reviews, what next with links and badges', async () => {
    const fake = fakeApi({
      ...learner,
      'GET /api/v1/learning/me': () => json(home),
      'PATCH /api/v1/learning/me/settings': () => json({ ...home.settings, daily_goal_xp: 100 }),
    })
    renderAt('/', <ProgressOverview />)
    expect(await screen.findByRole('progressbar', { name: 'XP towards level 4' })).toHaveAttribute('aria-valuenow', '50')
    expect(screen.getByText('150 XP to level 4')).toBeInTheDocument()
    expect(screen.getByText('4 days')).toBeInTheDocument()
    expect(screen.getByLabelText('1 streak freeze in stock')).toBeInTheDocument()
    expect(screen.getByText('Meet today’s goal to keep your streak.')).toBeInTheDocument()
    expect(screen.getByRole('img', { name: 'Daily goal: 20 of 50 XP' })).toBeInTheDocument()
    expect(screen.getAllByRole('link', { name: 'Start review' })[0]).toHaveAttribute('href', '/review')
    expect(screen.getByRole('link', { name: 'Open “Parsecs”' })).toHaveAttribute('href', '/lessons/l-2')
    expect(screen.getByText('(31 % mastery)')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Browse courses' })).toHaveAttribute('href', '/courses')
    expect(screen.getByText('First Light')).toBeInTheDocument()

    await userEvent.click(screen.getByRole('button', { name: 'Change goal' }))
    await userEvent.selectOptions(screen.getByLabelText('XP a day'), '100')
    await userEvent.click(screen.getByRole('button', { name: 'Save goal' }))
    expect(await screen.findByText('Daily goal set to 100 XP.')).toBeInTheDocument()
    expect(fake.calls('PATCH /api/v1/learning/me/settings')[0]?.body).toEqual({ daily_goal_xp: 100 })
  })

  it('shows a mentor the learner’s widgets without the learner’s own actions', async () => {
    fakeApi({
      'POST /api/v1/auth/refresh': () => json(tokenPair()),
      'GET /api/v1/me': () => json(meBody('mentor')),
      'GET /api/v1/learning/learners/u-lee': () => json(home),
    })
    renderAt('/learners/u-lee', <ProgressOverview learnerId="u-lee" />)
    expect(await screen.findByText('4 days')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Change goal' })).not.toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'Start review' })).not.toBeInTheDocument()
  })

  it('says so when progress cannot be loaded, and retries', async () => {
    let fail = true
    fakeApi({
      ...learner,
      'GET /api/v1/learning/me': () => (fail ? problem(404, 'No such learner in this organisation.') : json(home)),
    })
    renderAt('/', <ProgressOverview />)
    expect(await screen.findByText('No such learner in this organisation.')).toBeInTheDocument()
    fail = false
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByText('4 days')).toBeInTheDocument()
  })
})

const card = (id: string, text: string) => ({
  id,
  question_id: `q-${id}`,
  question_version: 1,
  course_id: 'c-1',
  skill_ids: [],
  due: '2026-11-25T09:00:00Z',
  state: 'review',
  reps: 2,
  lapses: 0,
  retrievability: 0.8,
  prompt: { type: 'single_choice', title: null, text_html: `<p>${text}</p>`, options: ['Vega', 'Sirius', 'Polaris'] },
})

describe('review mode', () => {
  it('shows a card, turns it over with the keyboard, rates it and moves on', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...learner,
      'GET /api/v1/learning/me/reviews': () => json([card('k1', 'Brightest star?'), card('k2', 'Closest star?')]),
      'GET /api/v1/learning/me/reviews/k1/answer': () =>
        json({ card_id: 'k1', answer: ['Sirius'], explanation_html: '<p>Magnitude -1.46.</p>' }),
      'POST /api/v1/learning/me/reviews/k1': () => json({ card: card('k1', 'x'), xp_total: 302, level: 3 }),
      'POST /api/v1/learning/me/reviews/k2': () => json({ card: card('k2', 'x'), xp_total: 304, level: 3 }),
      'GET /api/v1/learning/me/reviews/k2/answer': () =>
        problem(409, 'This question is part of a quiz you have not handed in yet; finish it first.'),
    })
    renderAt('/review', <ReviewPage />)
    expect(await screen.findByText('Brightest star?')).toBeInTheDocument()
    expect(screen.getByText('Card 1 of 2')).toBeInTheDocument()
    expect(screen.queryByText('Magnitude -1.46.')).not.toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Sirius' }))
    expect(screen.getByRole('button', { name: 'Sirius' })).toHaveAttribute('aria-pressed', 'true')
    act(() => {
      fireEvent.keyDown(document.body, { key: ' ' })
    })
    expect(await screen.findByText('Magnitude -1.46.')).toBeInTheDocument()
    expect(screen.getByText('You picked the right answer.')).toBeInTheDocument()
    act(() => {
      fireEvent.keyDown(document.body, { key: '3' })
    })
    // Rating saves, then the next card shows.
    expect(await screen.findByText('Closest star?')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/learning/me/reviews/k1')[0]?.body).toEqual({ rating: 3 })

    // A card whose answer is withheld (its question is in an open quiz) can still be rated.
    await user.click(screen.getByRole('button', { name: /Show answer/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent('finish it first')
    await user.click(screen.getByRole('button', { name: /Again/ }))
    expect(await screen.findByText('Review done')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/learning/me/reviews/k2')[0]?.body).toEqual({ rating: 1 })
  })

  it('has an empty state when nothing is due', async () => {
    fakeApi({ ...learner, 'GET /api/v1/learning/me/reviews': () => json([]) })
    renderAt('/review', <ReviewPage />)
    expect(await screen.findByText('Nothing to review now')).toBeInTheDocument()
  })
})

describe('badges', () => {
  const badges = [
    {
      key: 'first-answer', name: 'First Light', description: 'Answer your first question correctly', counter: 'answers_correct',
      value: 1, tiers_earned: 1, tiers_total: 1, next_threshold: null, fraction: 1, custom: false, earned: [firstLight],
    },
    {
      key: 'reviewer', name: 'Reviewer', description: 'Do 25 flashcard reviews', counter: 'reviews_done',
      value: 5, tiers_earned: 0, tiers_total: 3, next_threshold: 25, fraction: 0.2, custom: false, earned: [],
    },
  ]

  it('lists every badge with progress, earned ones first, and filters', async () => {
    fakeApi({ ...learner, 'GET /api/v1/learning/me/badges': () => json(badges) })
    renderAt('/badges', <BadgesPage />)
    expect(await screen.findByText('1 of 2 badges earned')).toBeInTheDocument()
    const items = screen.getAllByRole('listitem')
    expect(within(items[0]!).getByText('First Light')).toBeInTheDocument()
    expect(within(items[0]!).getByText('bronze')).toBeInTheDocument()
    expect(screen.getByRole('progressbar', { name: 'Reviewer: 5 of 25' })).toBeInTheDocument()
    expect(screen.getByLabelText('0 of 3 tiers earned')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Earned' }))
    expect(screen.queryByText('Reviewer')).not.toBeInTheDocument()
  })
})

describe('leaderboards', () => {
  const board = (period: string) => ({
    period,
    course_id: null,
    starts_at: null,
    ends_at: null,
    entries: [
      { rank: 1, learner_id: 'u-ana', display_name: 'Ana', xp: 120, is_me: false },
      { rank: 2, learner_id: null, display_name: 'Anonymous learner', xp: 90, is_me: false },
      { rank: 3, learner_id: 'u-lee', display_name: 'Lee Learner', xp: period === 'week' ? 40 : 400, is_me: true },
    ],
  })

  it('shows the board, the learner’s rank, switches period and saves how the learner appears', async () => {
    const fake = fakeApi({
      ...learner,
      'GET /api/v1/learning/leaderboards': (seen) => json(board(new URL(seen.path, 'http://x').searchParams.get('period')!)),
      'GET /api/v1/courses': () => json({ items: [{ id: 'c-1', title: 'The sky' }], total: 1, limit: 100, offset: 0 }),
      'GET /api/v1/learning/me': () => json(home),
      'PATCH /api/v1/learning/me/settings': () => json({ ...home.settings, leaderboard_mode: 'anonymous' }),
    })
    renderAt('/leaderboards', <LeaderboardPage />)
    expect(await screen.findByText('Your rank: 3 with 40 XP')).toBeInTheDocument()
    expect(screen.getByText('Anonymous learner')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'All time' }))
    expect(await screen.findByText('Your rank: 3 with 400 XP')).toBeInTheDocument()
    await userEvent.click(await screen.findByRole('radio', { name: /Anonymous/ }))
    expect(await screen.findByText('Leaderboard setting saved.')).toBeInTheDocument()
    expect(fake.calls('PATCH /api/v1/learning/me/settings')[0]?.body).toEqual({ leaderboard_mode: 'anonymous' })
    await userEvent.selectOptions(screen.getByLabelText('Board'), 'c-1')
    await screen.findByText('Your rank: 3 with 400 XP')
    expect(fake.seen.some((s) => s.path.includes('course_id=c-1'))).toBe(true)
  })

  it('says when the organisation turned leaderboards off', async () => {
    fakeApi({
      ...learner,
      'GET /api/v1/learning/leaderboards': () => problem(403, 'This organisation has turned leaderboards off.'),
      'GET /api/v1/courses': () => json({ items: [], total: 0, limit: 100, offset: 0 }),
      'GET /api/v1/learning/me': () => json(home),
    })
    renderAt('/leaderboards', <LeaderboardPage />)
    expect(await screen.findByText('Leaderboards are turned off')).toBeInTheDocument()
  })
})

describe('skills', () => {
  it('shows each skill’s estimate with its interval, grouped by course', async () => {
    fakeApi({
      ...learner,
      'GET /api/v1/learning/me/skills': () =>
        json({
          skills: [
            { skill_id: 's-1', name: 'Distances', course_id: 'c-1', probability: 0.31, low: 0.12, high: 0.6, sd: 0.5,
              mastered: false, attempts: 4, correct: 1, last_practised_at: null, crutch_index: 0.5, assisted_attempts: 2 },
            { skill_id: 's-2', name: 'Stars', course_id: 'c-1', probability: 0.9, low: 0.7, high: 0.97, sd: 0.3,
              mastered: true, attempts: 12, correct: 11, last_practised_at: null, crutch_index: null, assisted_attempts: 0 },
          ],
          courses: [{ course_id: 'c-1', title: 'The sky', mastery: 0.6, skills: 2, skills_mastered: 1 }],
        }),
    })
    renderAt('/skills', <SkillsPage />)
    expect(await screen.findByRole('img', { name: 'About 31 %, likely between 12 % and 60 %' })).toBeInTheDocument()
    expect(screen.getByText('Mastered')).toBeInTheDocument()
    expect(screen.getByText('1 of 2 skills mastered')).toBeInTheDocument()
    expect(screen.getByText(/more often with help than alone/)).toBeInTheDocument()
    expect(screen.getByRole('region', { name: 'Skills: The sky' })).toBeInTheDocument()
  })
})

describe('progress toasts', () => {
  function fakeSource() {
    const listeners: Array<(e: ProgressEvent) => void> = []
    let disconnected = false
    return {
      source: {
        on: (_: string, listener: (e: ProgressEvent) => void) => listeners.push(listener),
        disconnect: () => {
          disconnected = true
        },
      },
      fire: (e: ProgressEvent) => act(() => listeners.forEach((l) => l(e))),
      get disconnected() {
        return disconnected
      },
    }
  }

  function Host({ connect }: { connect: () => Promise<ReturnType<typeof fakeSource>['source']> }) {
    const { me } = useAuth()
    return me ? <ProgressToasts organisationId={me.active_organisation?.id ?? null} connect={connect} /> : null
  }

  it('shows level-ups and new badges of the active organisation as toasts', async () => {
    fakeApi(learner)
    const fake = fakeSource()
    let connected = false
    const connect = async () => {
      connected = true
      return fake.source
    }
    const { unmount } = renderAt('/', <Host connect={connect} />)
    await waitFor(() => expect(connected).toBe(true))
    await act(async () => {})
    fake.fire({ kind: 'level', organisation_id: ORG, learner_id: 'u', level: 4 })
    expect(await screen.findByText('Level up! You reached level 4.')).toBeInTheDocument()
    fake.fire({ kind: 'badge', organisation_id: ORG, learner_id: 'u', name: 'Reviewer', tier: 2 })
    expect(await screen.findByText('New badge: Reviewer (tier 2).')).toBeInTheDocument()
    fake.fire({ kind: 'badge', organisation_id: 'another-org', learner_id: 'u', name: 'Elsewhere', tier: 1 })
    expect(screen.queryByText(/Elsewhere/)).not.toBeInTheDocument()
    unmount()
    expect(fake.disconnected).toBe(true)
  })
})
