import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderAt } from '@/test/render'
import { type AIGrade, AIGradePanel, aiGradeSummary } from './AIGradePanel'

afterEach(() => clearSession())

const ATTEMPT = '00000000-0000-4000-8000-0000000000a7'
const Q_TEXT = '00000000-0000-4000-8000-0000000000f1'
const Q_CHOICE = '00000000-0000-4000-8000-0000000000f2'

const mentor = {
  'POST /api/v1/auth/refresh': () => json(tokenPair('access-mentor')),
  'GET /api/v1/me': () => json(meBody('mentor')),
}

const grade: AIGrade = {
  question_id: Q_TEXT,
  status: 'graded',
  score: 0.7,
  reasons: ['Names the parallax method.', 'Does not say what a parsec is.'],
  error: null,
  deployment: 'openai-mini',
  model: 'gpt-4.1-mini',
  cost_micros: 120,
  tries: 1,
  created_at: '2026-11-25T10:00:00Z',
  graded_at: '2026-11-25T10:00:05Z',
  overridden_by_id: null,
  overridden_at: null,
  override_score: null,
  answer_status: 'graded',
  answer_score: 0.7,
}

function Panels() {
  return (
    <>
      <AIGradePanel attemptId={ATTEMPT} questionId={Q_TEXT} />
      <div data-testid="choice">
        <AIGradePanel attemptId={ATTEMPT} questionId={Q_CHOICE} />
      </div>
    </>
  )
}

describe('the AI grade in the attempt review', () => {
  it('says what each status means', () => {
    expect(aiGradeSummary({ ...grade, status: 'queued', score: null })).toBe('The AI is grading this answer…')
    expect(aiGradeSummary({ ...grade, status: 'failed', score: null })).toMatch(/could not grade/)
    expect(aiGradeSummary({ ...grade, status: 'unavailable', score: null })).toMatch(/No AI grader/)
    expect(aiGradeSummary({ ...grade, status: 'overridden', override_score: 0.85 })).toBe(
      'The AI gave 70 %; a mentor changed it to 85 %.',
    )
  })

  it('shows the AI’s score and reasons under the free-text answer only, and lets the mentor override it', async () => {
    const user = userEvent.setup()
    let current = grade
    const fake = fakeApi({
      ...mentor,
      [`GET /api/v1/attempts/${ATTEMPT}/ai-grades`]: () => json([current]),
      [`PUT /api/v1/attempts/${ATTEMPT}/answers/${Q_TEXT}/ai-grade/override`]: (seen) => {
        const body = seen.body as { score: number }
        current = { ...grade, status: 'overridden', override_score: body.score, answer_score: body.score }
        return json(current)
      },
    })
    renderAt('/attempts/x', <Panels />)
    const panel = await screen.findByRole('region', { name: 'AI grade' })
    expect(within(panel).getByText('The AI gave 70 %.')).toBeInTheDocument()
    expect(within(panel).getByText('gpt-4.1-mini')).toBeInTheDocument()
    const reasons = within(panel).getByRole('list', { name: "The AI's reasons" })
    expect(within(reasons).getAllByRole('listitem').map((li) => li.textContent)).toEqual(grade.reasons)
    // One request for the whole attempt; the choice question has no AI grade and shows nothing.
    expect(fake.calls(`GET /api/v1/attempts/${ATTEMPT}/ai-grades`)).toHaveLength(1)
    expect(screen.getByTestId('choice')).toBeEmptyDOMElement()

    await user.click(within(panel).getByRole('button', { name: 'Override the AI’s grade' }))
    const score = within(panel).getByLabelText('Your score (%)')
    expect(score).toHaveValue('70')
    await user.clear(score)
    await user.type(score, '130')
    await user.click(within(panel).getByRole('button', { name: 'Save my grade' }))
    expect(within(panel).getByText('Enter a score from 0 to 100.')).toBeInTheDocument()
    expect(fake.calls(`PUT /api/v1/attempts/${ATTEMPT}/answers/${Q_TEXT}/ai-grade/override`)).toHaveLength(0)

    await user.clear(score)
    await user.type(score, '85')
    await user.type(within(panel).getByLabelText('Feedback to the learner'), 'Good, but define the parsec.')
    await user.click(within(panel).getByRole('button', { name: 'Save my grade' }))
    expect(await screen.findByText('Your grade replaces the AI’s.')).toBeInTheDocument()
    expect(fake.calls(`PUT /api/v1/attempts/${ATTEMPT}/answers/${Q_TEXT}/ai-grade/override`)[0]!.body).toEqual({
      score: 0.85,
      feedback: 'Good, but define the parsec.',
    })
    expect(await within(panel).findByText('The AI gave 70 %; a mentor changed it to 85 %.')).toBeInTheDocument()
    expect(within(panel).getByRole('button', { name: 'Change your grade' })).toBeInTheDocument()
  })

  it('shows why a grade failed, and a refusal of the override under the field', async () => {
    const user = userEvent.setup()
    fakeApi({
      ...mentor,
      [`GET /api/v1/attempts/${ATTEMPT}/ai-grades`]: () =>
        json([{ ...grade, status: 'failed', score: null, reasons: [], error: 'The reply was not the JSON asked for.', answer_status: 'pending', answer_score: null }]),
      [`PUT /api/v1/attempts/${ATTEMPT}/answers/${Q_TEXT}/ai-grade/override`]: () => problem(409, 'The attempt is not submitted yet.'),
    })
    renderAt('/attempts/x', <Panels />)
    const panel = await screen.findByRole('region', { name: 'AI grade' })
    expect(within(panel).getByText(/could not grade this answer/)).toBeInTheDocument()
    expect(within(panel).getByText('Why: The reply was not the JSON asked for.')).toBeInTheDocument()
    await user.click(within(panel).getByRole('button', { name: 'Override the AI’s grade' }))
    expect(within(panel).getByLabelText('Your score (%)')).toHaveValue('')
    await user.type(within(panel).getByLabelText('Your score (%)'), '40')
    await user.click(within(panel).getByRole('button', { name: 'Save my grade' }))
    await waitFor(() => expect(within(panel).getByText('The attempt is not submitted yet.')).toBeInTheDocument())
  })

  it('offers no override when no AI grader is set up (the mentor grades as before)', async () => {
    fakeApi({
      ...mentor,
      [`GET /api/v1/attempts/${ATTEMPT}/ai-grades`]: () => json([{ ...grade, status: 'unavailable', score: null, reasons: [], model: null }]),
    })
    renderAt('/attempts/x', <Panels />)
    const panel = await screen.findByRole('region', { name: 'AI grade' })
    expect(within(panel).getByText(/No AI grader is set up/)).toBeInTheDocument()
    expect(within(panel).queryByRole('button')).not.toBeInTheDocument()
  })
})
