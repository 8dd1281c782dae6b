import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, noContent, problem, tokenPair } from '@/test/fakeApi'
import { renderAt } from '@/test/render'
import BadgesPage from './BadgesPage'
import LearningSettingsPage from './LearningSettingsPage'
import { ProgressOverview } from './ProgressOverview'
import { parseThresholds } from './OrgBadgesManager'

afterEach(() => clearSession())

const as = (role: 'learner' | 'mentor' | 'org_admin') => ({
  'POST /api/v1/auth/refresh': () => json(tokenPair()),
  'GET /api/v1/me': () => json(meBody(role)),
})

const homeBody = (onVacation: boolean) => ({
  learner_id: 'u-lee',
  level: { level: 3, xp_total: 300, level_start_xp: 250, next_level_xp: 450, fraction: 0.25 },
  streak: { current: 4, longest: 9, freezes: 1, today_counted: false, at_risk: false, on_vacation: onVacation },
  daily_goal: { day: '2026-11-25', goal_xp: 50, xp_today: 20, met: false, fraction: 0.4 },
  due_reviews: 0,
  what_next: [],
  recent_badges: [],
  settings: { daily_goal_xp: 50, desired_retention: 0.9, leaderboard_mode: 'visible', time_zone: 'UTC' },
})

const days = [
  { day: '2026-11-25', xp: 60, answers: 7, correct: 6, goal_xp: 50, goal_met: true, streak_outcome: 'kept' },
  { day: '2026-11-24', xp: 10, answers: 1, correct: 1, goal_xp: 50, goal_met: false, streak_outcome: null },
]

describe('learning settings', () => {
  it('is linked from the goal widget of the own home', async () => {
    fakeApi({ ...as('learner'), 'GET /api/v1/learning/me': () => json(homeBody(false)) })
    renderAt('/', <ProgressOverview />)
    expect(await screen.findByRole('link', { name: 'Learning settings' })).toHaveAttribute('href', '/settings/learning')
  })

  it('starts and ends vacation mode, saves the retention and lists recent days', async () => {
    let onVacation = false
    const fake = fakeApi({
      ...as('learner'),
      'GET /api/v1/learning/me': () => json(homeBody(onVacation)),
      'GET /api/v1/learning/me/days': () => json(days),
      'POST /api/v1/learning/me/vacation': () => {
        onVacation = true
        return json({ start_day: '2026-11-25', end_day: '2026-12-01' }, 201)
      },
      'DELETE /api/v1/learning/me/vacation': () => {
        onVacation = false
        return noContent()
      },
      'PATCH /api/v1/learning/me/settings': () => json({ ...homeBody(false).settings, desired_retention: 0.95 }),
    })
    renderAt('/settings/learning', <LearningSettingsPage />)

    const list = await screen.findByRole('list', { name: 'Recent days' })
    const rows = within(list).getAllByRole('listitem')
    expect(rows).toHaveLength(2)
    expect(within(rows[0]!).getByText(/60 \/ 50 XP · 7 answers/)).toBeInTheDocument()
    expect(within(rows[0]!).getByText('goal met')).toBeInTheDocument()
    expect(within(rows[1]!).getByText('goal not met')).toBeInTheDocument()
    expect(screen.getByText('Goal met on 1 of the last 2 days.')).toBeInTheDocument()
    expect(fake.calls('GET /api/v1/learning/me/days')[0]!.path).toContain('limit=14')

    await userEvent.type(screen.getByLabelText('Last day (optional)'), '2026-12-01')
    await userEvent.click(screen.getByRole('button', { name: 'Start vacation' }))
    expect(await screen.findByText('Vacation mode on until 2026-12-01.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/learning/me/vacation')[0]!.body).toEqual({ until: '2026-12-01' })
    await userEvent.click(await screen.findByRole('button', { name: 'End vacation' }))
    expect(await screen.findByText('Vacation mode off: welcome back.')).toBeInTheDocument()
    expect(await screen.findByRole('button', { name: 'Start vacation' })).toBeInTheDocument()

    const save = screen.getByRole('button', { name: 'Save retention' })
    expect(save).toBeDisabled()
    await userEvent.selectOptions(screen.getByLabelText('Desired retention'), '0.95')
    await userEvent.click(save)
    expect(await screen.findByText('Reviews now aim at 95 % recall.')).toBeInTheDocument()
    expect(fake.calls('PATCH /api/v1/learning/me/settings')[0]!.body).toEqual({ desired_retention: 0.95 })
  })

  it('shows an empty history and an error with retry', async () => {
    fakeApi({
      ...as('learner'),
      'GET /api/v1/learning/me': () => problem(404, 'No such learner in this organisation.'),
      'GET /api/v1/learning/me/days': () => json([]),
    })
    renderAt('/settings/learning', <LearningSettingsPage />)
    expect(await screen.findByText('No days yet')).toBeInTheDocument()
    expect(await screen.findByText('Your settings could not be loaded')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: /try again|retry/i })).toBeInTheDocument()
  })
})

const custom = {
  id: 'b-1',
  key: 'custom-b-1',
  name: 'Night owl club',
  description: 'Study late',
  counter: 'late_days',
  thresholds: [3, 10],
  created_at: '2026-11-25T10:00:00Z',
}

describe('organisation badges', () => {
  it('is hidden from learners', async () => {
    const fake = fakeApi({ ...as('learner'), 'GET /api/v1/learning/me/badges': () => json([]) })
    renderAt('/badges', <BadgesPage />)
    expect(await screen.findByText('0 of 0 badges earned')).toBeInTheDocument()
    expect(screen.queryByText('Manage organisation badges')).not.toBeInTheDocument()
    expect(fake.calls('GET /api/v1/learning/badges/custom')).toHaveLength(0)
  })

  it('lets a mentor list, create and retire badges', async () => {
    let list = [custom]
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/learning/me/badges': () => json([]),
      'GET /api/v1/learning/badges/custom': () => json(list),
      'POST /api/v1/learning/badges/custom': (seen) => {
        const body = seen.body as typeof custom
        const made = { ...custom, ...body, id: 'b-2', key: 'custom-b-2' }
        list = [...list, made]
        return json(made, 201)
      },
      'DELETE /api/v1/learning/badges/custom/b-1': () => {
        list = list.filter((b) => b.id !== 'b-1')
        return noContent()
      },
    })
    renderAt('/badges', <BadgesPage />)
    const badges = await screen.findByRole('list', { name: 'Organisation badges' })
    expect(within(badges).getByText('Night owl club')).toBeInTheDocument()
    expect(within(badges).getByText('Days studied after 22:00: 3 · 10')).toBeInTheDocument()

    // Client-side checks first: nothing is sent.
    await userEvent.click(screen.getByRole('button', { name: 'Create badge' }))
    expect(screen.getByText('Enter a name.')).toBeInTheDocument()
    expect(screen.getByText('Enter at least one threshold.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/learning/badges/custom')).toHaveLength(0)

    await userEvent.type(screen.getByLabelText('Name'), 'Reviewer')
    await userEvent.type(screen.getByLabelText('Description'), 'Keep up with reviews')
    await userEvent.selectOptions(screen.getByLabelText('Counts'), 'reviews_done')
    await userEvent.type(screen.getByLabelText('Tier thresholds'), '10, 50, 200')
    await userEvent.click(screen.getByRole('button', { name: 'Create badge' }))
    expect(await screen.findByText('Badge “Reviewer” created.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/learning/badges/custom')[0]!.body).toEqual({
      name: 'Reviewer',
      description: 'Keep up with reviews',
      counter: 'reviews_done',
      thresholds: [10, 50, 200],
    })
    expect(await within(badges).findByText('Reviewer')).toBeInTheDocument()

    await userEvent.click(screen.getByRole('button', { name: 'Retire “Night owl club”' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Retire badge' }))
    expect(await screen.findByText('Badge “Night owl club” retired.')).toBeInTheDocument()
    await waitFor(() => expect(within(badges).queryByText('Night owl club')).not.toBeInTheDocument())
  })

  it('shows the API’s error for a rejected badge', async () => {
    fakeApi({
      ...as('org_admin'),
      'GET /api/v1/learning/me/badges': () => json([]),
      'GET /api/v1/learning/badges/custom': () => json([]),
      'POST /api/v1/learning/badges/custom': () =>
        problem(422, 'Invalid input.', [{ loc: 'body.thresholds', message: 'thresholds must rise' }]),
    })
    renderAt('/badges', <BadgesPage />)
    expect(await screen.findByText('No organisation badges yet')).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText('Name'), 'X')
    await userEvent.type(screen.getByLabelText('Description'), 'Y')
    await userEvent.type(screen.getByLabelText('Tier thresholds'), '5')
    await userEvent.click(screen.getByRole('button', { name: 'Create badge' }))
    expect((await screen.findAllByText(/thresholds must rise/i)).length).toBeGreaterThan(0)
  })
})

describe('parseThresholds', () => {
  it('accepts rising whole numbers and explains the rest', () => {
    expect(parseThresholds('5, 20 50')).toEqual([5, 20, 50])
    expect(parseThresholds('')).toBe('Enter at least one threshold.')
    expect(parseThresholds('1,2,3,4,5,6')).toBe('A badge has at most 5 tiers.')
    expect(parseThresholds('5, 5')).toBe('Each threshold must be higher than the one before.')
    expect(parseThresholds('0, 2.5')).toBe('Thresholds are whole numbers from 1 to 1,000,000.')
  })
})
