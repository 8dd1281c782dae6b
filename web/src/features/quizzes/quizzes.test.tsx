import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderRoutes } from '@/test/render'
import AttemptPage from './AttemptPage'
import { describeAnswer } from './answers'
import QuizBuilderPage, { toLocalInput } from './QuizBuilderPage'
import { settingsText, standing } from './QuizListPage'
import QuizPage from './QuizPage'

afterEach(() => clearSession())

const as = (role: 'learner' | 'mentor') => ({
  'POST /api/v1/auth/refresh': () => json(tokenPair()),
  'GET /api/v1/me': () => json(meBody(role)),
})

const page = <T,>(items: T[]) => ({ items, total: items.length, limit: 100, offset: 0 })

const assessment = {
  id: 'as-1',
  course_id: 'c-1',
  title: 'Stars check-up',
  description: '',
  policy: {
    mode: 'assessment',
    questions: ['q-1', 'q-2', 'q-3'],
    draws: [],
    shuffle_questions: false,
    shuffle_options: true,
    time_limit_minutes: 10,
    max_attempts: 2,
    pass_mark: 0.5,
    feedback_policy: 'after_submit',
  },
  published: true,
  opens_at: null,
  closes_at: null,
  time_zone: 'UTC',
  created_at: '2026-11-25T10:00:00Z',
}

const view = (id: string, position: number, type: string, text: string, options: Array<{ id: string; text: string }> = []) => ({
  question_id: id,
  version: 1,
  position,
  type,
  title: null,
  text,
  text_html: `<p>${text}</p>`,
  difficulty: 2,
  options,
  prompts: [],
  answers: [],
  units: [],
  hints_available: 0,
})

const questions = [
  view('q-1', 0, 'single_choice', 'Brightest star?', [
    { id: 'b', text: 'Vega' },
    { id: 'a', text: 'Sirius' },
  ]),
  view('q-2', 1, 'true_false', 'The Sun is a star.'),
  view('q-3', 2, 'numeric', 'How many planets?'),
]

const blank = (id: string) => ({ question_id: id, answer: null, saved_at: null })

const attempt = {
  id: 'at-1',
  assessment_id: 'as-1',
  user_id: meBody().id,
  number: 1,
  mode: 'assessment',
  status: 'in_progress',
  started_at: '2026-11-25T10:00:00Z',
  deadline_at: '2026-11-25T10:10:00Z',
  submitted_at: null,
  auto_submitted: false,
  seconds_left: 600,
  score: null,
  passed: null,
  pending: 0,
  questions,
  answers: questions.map((q) => blank(q.question_id)),
}

const attemptRoutes = [
  { path: '/attempts/:attemptId', element: <AttemptPage /> },
  { path: '/quizzes/:assessmentId', element: <p>quiz page</p> },
]

describe('taking a quiz', () => {
  it('saves each answer as the learner goes, asks before submitting and shows the review', async () => {
    const user = userEvent.setup()
    const saved: Record<string, unknown> = {}
    const fake = fakeApi({
      ...as('learner'),
      'GET /api/v1/attempts/at-1': () => json(attempt),
      'GET /api/v1/assessments/as-1': () => json(assessment),
      'PUT /api/v1/attempts/at-1/answers/q-1': (seen) => {
        saved['q-1'] = (seen.body as { answer: unknown }).answer
        return json({ question_id: 'q-1', answer: saved['q-1'], saved_at: '2026-11-25T10:01:00Z' })
      },
      'PUT /api/v1/attempts/at-1/answers/q-3': (seen) => {
        saved['q-3'] = (seen.body as { answer: unknown }).answer
        return json({ question_id: 'q-3', answer: saved['q-3'], saved_at: '2026-11-25T10:02:00Z' })
      },
      'POST /api/v1/attempts/at-1/submit': () =>
        json({
          ...attempt,
          status: 'submitted',
          submitted_at: '2026-11-25T10:03:00Z',
          seconds_left: null,
          score: 0.5,
          passed: true,
          answers: [
            { ...blank('q-1'), answer: saved['q-1'], revealed: true, status: 'graded', score: 1, correct: true, explanation: 'Sirius is at −1.46.', model_answer: { type: 'single_choice', choice: 'a' } },
            { ...blank('q-2'), revealed: true, explanation: 'A G-type star.', model_answer: { type: 'true_false', value: true } },
            { ...blank('q-3'), answer: saved['q-3'], revealed: true, status: 'graded', score: 0, correct: false, feedback: ['Count again.'], explanation: 'Eight since 2006.', model_answer: { type: 'numeric', value: '8' } },
          ],
        }),
    })
    renderRoutes(attemptRoutes, '/attempts/at-1')
    expect(await screen.findByRole('heading', { name: 'Question 1 of 3' })).toBeInTheDocument()
    expect(screen.getByRole('timer')).toHaveTextContent('10:00')

    await user.click(screen.getByLabelText('Sirius'))
    expect(await screen.findByText('Saved')).toBeInTheDocument()
    expect(saved['q-1']).toEqual({ type: 'single_choice', choice: 'a' })

    await user.click(screen.getByRole('button', { name: 'Question 3' }))
    await user.type(screen.getByLabelText('Your answer'), '9')
    // Typing is saved after a pause (or on leaving the field): one save, not one per key.
    await waitFor(() => expect(saved['q-3']).toEqual({ type: 'numeric', value: '9' }))
    expect(fake.calls('PUT /api/v1/attempts/at-1/answers/q-3')).toHaveLength(1)
    expect(screen.getByText(/2 of 3 answered/)).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Submit answers' }))
    const dialog = screen.getByRole('dialog', { name: 'Submit your answers?' })
    expect(dialog).toHaveTextContent('You answered 2 of 3 questions. Unanswered questions score nothing.')
    await user.click(within(dialog).getByRole('button', { name: 'Keep working' }))
    expect(fake.calls('POST /api/v1/attempts/at-1/submit')).toHaveLength(0)

    await user.click(screen.getByRole('button', { name: 'Submit answers' }))
    await user.click(within(screen.getByRole('dialog', { name: 'Submit your answers?' })).getByRole('button', { name: 'Submit' }))
    expect(await screen.findByRole('heading', { level: 1, name: 'Result: Stars check-up' })).toBeInTheDocument()
    expect(screen.getByText('50 %')).toBeInTheDocument()
    expect(screen.getByText('Passed')).toBeInTheDocument()
    const reviews = screen.getByRole('list', { name: 'Questions and answers' })
    const [first, second, third] = within(reviews).getAllByRole('listitem')
    expect(within(first!).getByRole('heading')).toHaveTextContent('Question 1: Correct')
    expect(first).toHaveTextContent('Sirius is at −1.46.')
    expect(within(second!).getByRole('heading')).toHaveTextContent('Question 2: Not answered')
    expect(second).toHaveTextContent('Right answerTrue')
    expect(within(third!).getByRole('heading')).toHaveTextContent('Question 3: Incorrect')
    expect(third).toHaveTextContent('Your answer9Right answer8')
    expect(third).toHaveTextContent('Count again.')
    expect(third).toHaveTextContent('Eight since 2006.')
  }, 20_000)

  it('hands the attempt in when the server says time is up', async () => {
    const user = userEvent.setup()
    let submitted = false
    fakeApi({
      ...as('learner'),
      'GET /api/v1/attempts/at-1': () =>
        json(submitted ? { ...attempt, status: 'submitted', auto_submitted: true, seconds_left: null, submitted_at: '2026-11-25T10:10:00Z' } : attempt),
      'GET /api/v1/assessments/as-1': () => json({ ...assessment, policy: { ...assessment.policy, feedback_policy: 'after_close' }, closes_at: '2026-12-01T10:00:00Z' }),
      'PUT /api/v1/attempts/at-1/answers/q-1': () => {
        submitted = true
        const response = problem(409, 'Time is up: the attempt has been submitted.')
        return response.json().then((body: object) => json({ ...body, type: 'https://starguide.dev/problems/time-up' }, 409))
      },
    })
    renderRoutes(attemptRoutes, '/attempts/at-1')
    await user.click(await screen.findByLabelText('Sirius'))
    expect(await screen.findByText('Time is up: your answers were handed in.')).toBeInTheDocument()
    expect(await screen.findByRole('heading', { name: 'Your answers are in' })).toBeInTheDocument()
    expect(screen.getByText(/appear once the quiz closes/)).toBeInTheDocument()
  })
})

describe('reviewing as a mentor', () => {
  it('grades a free-text answer waiting for a mentor', async () => {
    const user = userEvent.setup()
    const essay = view('q-9', 0, 'free_text', 'Why do stars twinkle?')
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/attempts/at-2': () =>
        json({
          ...attempt,
          id: 'at-2',
          user_id: 'someone-else',
          status: 'submitted',
          submitted_at: '2026-11-25T10:03:00Z',
          score: 0,
          passed: null,
          pending: 1,
          questions: [essay],
          answers: [{ ...blank('q-9'), answer: { type: 'free_text', text: 'The air moves.' }, revealed: true, status: 'pending', score: null }],
        }),
      'GET /api/v1/assessments/as-1': () => json(assessment),
      'PUT /api/v1/attempts/at-2/answers/q-9/grade': () =>
        json({ question_id: 'q-9', answer: { type: 'free_text', text: 'The air moves.' }, saved_at: null, status: 'graded', score: 0.8 }),
    })
    renderRoutes(attemptRoutes, '/attempts/at-2')
    expect(await screen.findByRole('heading', { name: 'Question 1: Waiting for a grade' })).toBeInTheDocument()
    expect(screen.getByText('1 answer waiting for a mentor’s grade')).toBeInTheDocument()
    await user.click(await screen.findByRole('button', { name: 'Grade' }))
    expect(screen.getByText('Enter a score from 0 to 100.')).toBeInTheDocument()
    await user.type(screen.getByLabelText('Score (%)'), '80')
    await user.type(screen.getByLabelText('Feedback to the learner'), 'Turbulence, yes.')
    await user.click(screen.getByRole('button', { name: 'Grade' }))
    expect(await screen.findByText('Grade saved.')).toBeInTheDocument()
    expect(fake.calls('PUT /api/v1/attempts/at-2/answers/q-9/grade')[0]?.body).toEqual({ score: 0.8, feedback: 'Turbulence, yes.' })
  })
})

describe('one grade form for an AI-graded answer', () => {
  const aiGrade = (status: string) => ({
    question_id: 'q-9',
    status,
    score: status === 'graded' ? 0.7 : null,
    reasons: [],
    error: null,
    deployment: null,
    model: null,
    cost_micros: 0,
    tries: 1,
    created_at: '2026-11-25T10:00:00Z',
    graded_at: null,
    overridden_by_id: null,
    overridden_at: null,
    override_score: null,
    answer_status: status === 'graded' ? 'graded' : 'pending',
    answer_score: status === 'graded' ? 0.7 : null,
  })
  const essayAttempt = () => ({
    ...attempt,
    id: 'at-2',
    user_id: 'someone-else',
    status: 'submitted',
    submitted_at: '2026-11-25T10:03:00Z',
    score: 0.7,
    passed: null,
    pending: 0,
    questions: [view('q-9', 0, 'free_text', 'Why do stars twinkle?')],
    answers: [{ ...blank('q-9'), answer: { type: 'free_text', text: 'The air moves.' }, revealed: true, status: 'graded', score: 0.7 }],
  })

  it('shows only the AI panel’s override when the mentor can override the AI', async () => {
    fakeApi({
      ...as('mentor'),
      'GET /api/v1/attempts/at-2': () => json(essayAttempt()),
      'GET /api/v1/attempts/at-2/ai-grades': () => json([aiGrade('graded')]),
      'GET /api/v1/assessments/as-1': () => json(assessment),
    })
    renderRoutes(attemptRoutes, '/attempts/at-2')
    const panel = await screen.findByRole('region', { name: 'AI grade' })
    expect(within(panel).getByRole('button', { name: 'Override the AI’s grade' })).toBeInTheDocument()
    expect(screen.queryByLabelText('Score (%)')).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Change grade' })).not.toBeInTheDocument()
  })

  it('shows the manual grade form when no AI grader is set up', async () => {
    fakeApi({
      ...as('mentor'),
      'GET /api/v1/attempts/at-2': () => json(essayAttempt()),
      'GET /api/v1/attempts/at-2/ai-grades': () => json([aiGrade('unavailable')]),
      'GET /api/v1/assessments/as-1': () => json(assessment),
    })
    renderRoutes(attemptRoutes, '/attempts/at-2')
    const panel = await screen.findByRole('region', { name: 'AI grade' })
    expect(within(panel).queryByRole('button')).not.toBeInTheDocument()
    expect(await screen.findByRole('button', { name: 'Change grade' })).toBeInTheDocument()
    expect(screen.getByLabelText('Score (%)')).toHaveValue('70')
  })
})

describe('quiz page', () => {
  it('starts an attempt for a learner and opens it', async () => {
    const fake = fakeApi({
      ...as('learner'),
      'GET /api/v1/assessments/as-1': () => json(assessment),
      'GET /api/v1/assessments/as-1/attempts': () => json(page([])),
      'POST /api/v1/assessments/as-1/attempts': () => json(attempt),
      'GET /api/v1/attempts/at-1': () => json(attempt),
    })
    renderRoutes(
      [
        { path: '/quizzes/:assessmentId', element: <QuizPage /> },
        { path: '/attempts/:attemptId', element: <p>attempt page</p> },
      ],
      '/quizzes/as-1',
    )
    expect(await screen.findByText('3 questions · 10 min · 2 attempts')).toBeInTheDocument()
    expect(screen.getByText('0 of 2')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Start the quiz' }))
    expect(await screen.findByText('attempt page')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/assessments/as-1/attempts')).toHaveLength(1)
  })
})

describe('quiz builder', () => {
  it('builds the policy from the picked questions and settings, and publishes', async () => {
    const user = userEvent.setup()
    const bankQuestion = (id: string, text: string) => ({
      id,
      course_id: 'c-1',
      key: `key-${id}`,
      category: null,
      type: 'true_false',
      difficulty: 2,
      skills: [],
      version: 1,
      archived: false,
      question: { type: 'true_false', text, answer: true },
      updated_at: '2026-11-25T10:00:00Z',
    })
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/courses': () =>
        json(page([{ id: 'c-1', slug: 's', title: 'Stars', summary: '', language: 'en', published: true, self_enrol: true, created_at: '', updated_at: '', enrolled: false }])),
      'GET /api/v1/courses/c-1/questions': () => json(page([bankQuestion('q-1', 'Sirius is a star.'), bankQuestion('q-2', 'Mars is a star.')])),
      'POST /api/v1/assessments': (seen) => json({ ...assessment, ...(seen.body as object), id: 'as-9' }, 201),
    })
    renderRoutes(
      [
        { path: '/author/quizzes/new', element: <QuizBuilderPage /> },
        { path: '/quizzes/:assessmentId', element: <p>quiz page</p> },
      ],
      '/author/quizzes/new?course=c-1',
    )
    await user.click(await screen.findByRole('button', { name: 'Save quiz' }))
    expect(screen.getByText('Give the quiz a title.')).toBeInTheDocument()
    expect(screen.getByText('Pick at least one question.')).toBeInTheDocument()

    await user.type(screen.getByLabelText('Quiz title'), 'Planets or stars')
    await user.click(await screen.findByRole('checkbox', { name: /Sirius is a star/ }))
    await user.click(screen.getByRole('checkbox', { name: /Mars is a star/ }))
    await user.click(screen.getByRole('button', { name: 'Move key-q-2 up' }))
    await user.type(screen.getByLabelText('Time limit (minutes)'), '0')
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(screen.getByText('Enter whole minutes from 1 to 1440, or leave empty.')).toBeInTheDocument()
    await user.clear(screen.getByLabelText('Time limit (minutes)'))
    await user.type(screen.getByLabelText('Time limit (minutes)'), '20')
    await user.type(screen.getByLabelText('Attempts allowed'), '3')
    await user.selectOptions(screen.getByLabelText('Show answers and explanations'), 'immediately')
    await user.click(screen.getByLabelText(/Publish to the course’s learners/))
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(await screen.findByText('quiz page')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/assessments')[0]?.body).toEqual({
      course_id: 'c-1',
      title: 'Planets or stars',
      description: '',
      published: true,
      opens_at: null,
      closes_at: null,
      policy: {
        mode: 'assessment',
        questions: ['q-2', 'q-1'],
        time_limit_minutes: 20,
        max_attempts: 3,
        pass_mark: 0.5,
        feedback_policy: 'immediately',
        shuffle_questions: false,
        shuffle_options: true,
      },
    })
  }, 20_000)
})

describe('editing a quiz', () => {
  it('keeps its course and sends only what the form holds, window in the organisation’s zone', async () => {
    const user = userEvent.setup()
    const existing = {
      ...assessment,
      policy: { ...assessment.policy, questions: ['q-1'] },
      published: false,
      opens_at: '2026-12-01T08:00:00Z',
      time_zone: 'Europe/Paris',
    }
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/assessments/as-1': () => json(existing),
      'GET /api/v1/courses': () => json(page([])),
      'GET /api/v1/courses/c-1/questions': () => json(page([])),
      'PATCH /api/v1/assessments/as-1': (seen) => json({ ...existing, ...(seen.body as object) }),
    })
    renderRoutes(
      [
        { path: '/author/quizzes/:assessmentId', element: <QuizBuilderPage /> },
        { path: '/quizzes/:assessmentId', element: <p>quiz page</p> },
      ],
      '/author/quizzes/as-1',
    )
    expect(await screen.findByLabelText('Opens at')).toHaveValue('2026-12-01T09:00')
    expect(screen.getByLabelText('Time limit (minutes)')).toHaveValue('10')
    await user.click(screen.getByLabelText(/Publish to the course’s learners/))
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(await screen.findByText('quiz page')).toBeInTheDocument()
    const body = fake.calls('PATCH /api/v1/assessments/as-1')[0]?.body as Record<string, unknown>
    expect(body).not.toHaveProperty('course_id')
    expect(body).toMatchObject({ published: true, opens_at: '2026-12-01T09:00', closes_at: null })
    expect(body.policy).toMatchObject({ questions: ['q-1'], time_limit_minutes: 10, max_attempts: 2 })
  })
})

describe('dates and answers in words', () => {
  it('shows a window in the organisation’s wall-clock time, daylight saving included', () => {
    expect(toLocalInput('2026-07-01T08:30:00Z', 'Europe/Paris')).toBe('2026-07-01T10:30')
    expect(toLocalInput('2026-12-01T08:30:00Z', 'Europe/Paris')).toBe('2026-12-01T09:30')
    expect(toLocalInput(null, 'UTC')).toBe('')
  })

  it('sums up where a learner stands on a quiz', () => {
    const summary = { id: 'x', user_id: 'u', number: 1, started_at: '', submitted_at: null, auto_submitted: false, pending: 0 }
    expect(standing([])).toBe('Not started')
    expect(standing([{ ...summary, status: 'in_progress', score: null, passed: null }])).toBe('In progress')
    expect(standing([{ ...summary, status: 'submitted', score: null, passed: null }])).toBe('Handed in')
    expect(
      standing([
        { ...summary, status: 'submitted', score: 0.4, passed: false },
        { ...summary, status: 'submitted', score: 0.9, passed: true },
      ]),
    ).toBe('Best 90 % · passed')
  })

  it('describes answers with the texts the learner saw', () => {
    const [single] = questions
    expect(describeAnswer(single!, { type: 'single_choice', choice: 'a' })).toBe('Sirius')
    expect(describeAnswer(single!, { type: 'single_choice', choice: null })).toBe('Not answered')
    expect(describeAnswer(single!, null)).toBe('Not answered')
    const ordering = view('q-5', 0, 'ordering', 'Order by size', [
      { id: 'm', text: 'Moon' },
      { id: 'e', text: 'Earth' },
    ])
    expect(describeAnswer(ordering, { type: 'ordering', order: ['m', 'e'] })).toBe('Moon → Earth')
  })
})

describe('random draws in the quiz builder', () => {
  const courseRow = { id: 'c-1', slug: 's', title: 'Stars', summary: '', language: 'en', published: true, self_enrol: true, created_at: '', updated_at: '', enrolled: false }
  const skills = [
    { slug: 'stars', name: 'Stars', description: '' },
    { slug: 'planets', name: 'Planets', description: '' },
  ]
  const bankQuestion = (id: string, type: string, difficulty: number, skillSlugs: string[]) => ({
    id,
    course_id: 'c-1',
    key: `key-${id}`,
    category: null,
    type,
    difficulty,
    skills: skillSlugs,
    version: 1,
    archived: false,
    question: { type, text: `Question ${id}` },
    updated_at: '2026-11-25T10:00:00Z',
  })
  const bank = [
    bankQuestion('q-1', 'true_false', 1, ['stars']),
    bankQuestion('q-2', 'true_false', 2, ['stars']),
    bankQuestion('q-3', 'free_text', 3, ['stars', 'planets']),
    bankQuestion('q-4', 'numeric', 4, ['planets']),
  ]
  const mentorRoutes = {
    ...as('mentor'),
    'GET /api/v1/courses': () => json(page([courseRow])),
    'GET /api/v1/courses/c-1/skills': () => json(skills),
    'GET /api/v1/courses/c-1/questions': () => json(page(bank)),
  }
  const routes = [
    { path: '/author/quizzes/new', element: <QuizBuilderPage /> },
    { path: '/author/quizzes/:assessmentId', element: <QuizBuilderPage /> },
    { path: '/quizzes/:assessmentId', element: <p>quiz page</p> },
  ]

  it('switches to draws, counts the matching questions and sends the draws', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...mentorRoutes,
      'POST /api/v1/assessments': (seen) => json({ ...assessment, ...(seen.body as object), id: 'as-9' }, 201),
    })
    renderRoutes(routes, '/author/quizzes/new?course=c-1')
    await user.type(await screen.findByLabelText('Quiz title'), 'Random stars')
    await user.click(await screen.findByRole('checkbox', { name: /Question q-1/ }))
    expect(screen.getByRole('radio', { name: 'Fixed list of questions' })).toBeChecked()

    await user.click(screen.getByRole('radio', { name: 'Random draw from the question bank' }))
    expect(screen.queryByRole('checkbox', { name: /Question q-1/ })).not.toBeInTheDocument()
    const first = screen.getByRole('group', { name: 'Draw 1' })
    expect(within(first).getByText(/4 questions of the bank match/)).toHaveTextContent('fewer than 5: this draw will ask only 4.')
    await user.click(within(first).getByRole('checkbox', { name: 'Stars' }))
    await user.selectOptions(within(first).getByLabelText('Lowest difficulty'), '2')
    await user.clear(within(first).getByLabelText('Questions to draw'))
    await user.type(within(first).getByLabelText('Questions to draw'), '3')
    expect(within(first).getByText(/2 questions of the bank match/)).toHaveTextContent('fewer than 3: this draw will ask only 2.')

    // Practice gives instant feedback: a free-text question, graded by a mentor, is never drawn.
    await user.selectOptions(screen.getByLabelText('Mode'), 'practice')
    expect(within(first).getByText(/1 question of the bank matches/)).toBeInTheDocument()
    await user.selectOptions(screen.getByLabelText('Mode'), 'assessment')

    await user.click(screen.getByRole('button', { name: 'Add a draw' }))
    const second = screen.getByRole('group', { name: 'Draw 2' })
    await user.selectOptions(within(second).getByLabelText('Lowest difficulty'), '4')
    await user.selectOptions(within(second).getByLabelText('Highest difficulty'), '3')
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(within(second).getByText('The highest difficulty cannot be below the lowest.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/assessments')).toHaveLength(0)
    await user.selectOptions(within(second).getByLabelText('Highest difficulty'), '5')
    await user.clear(within(second).getByLabelText('Questions to draw'))
    await user.type(within(second).getByLabelText('Questions to draw'), '1')
    expect(screen.getByText('Up to 4 questions an attempt.')).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Add a draw' }))
    await user.click(screen.getByRole('button', { name: 'Remove draw 3' }))
    expect(screen.queryByRole('group', { name: 'Draw 3' })).not.toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(await screen.findByText('quiz page')).toBeInTheDocument()
    const policy = (fake.calls('POST /api/v1/assessments')[0]?.body as { policy: Record<string, unknown> }).policy
    expect(policy).not.toHaveProperty('questions')
    expect(policy.draws).toEqual([
      { skills: ['stars'], difficulty_min: 2, difficulty_max: 5, count: 3 },
      { skills: [], difficulty_min: 4, difficulty_max: 5, count: 1 },
    ])
  }, 30_000)

  it('shows the server’s refusal on the form, and a fixed list again once switched back', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...mentorRoutes,
      'POST /api/v1/assessments': (seen, count) =>
        count === 1
          ? problem(422, 'Invalid input: body.policy: Value error, draws add up to more than 200 questions', [
              { loc: 'body.policy', message: 'Value error, draws add up to more than 200 questions' },
              { loc: 'body.policy.draws.0.count', message: 'Input should be less than or equal to 200' },
            ])
          : json({ ...assessment, ...(seen.body as object), id: 'as-9' }, 201),
    })
    renderRoutes(routes, '/author/quizzes/new?course=c-1')
    await user.type(await screen.findByLabelText('Quiz title'), 'Many stars')
    await user.click(await screen.findByRole('checkbox', { name: /Question q-2/ }))
    await user.click(screen.getByRole('radio', { name: 'Random draw from the question bank' }))
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(await screen.findByText('Draws add up to more than 200 questions.')).toBeInTheDocument()
    expect(within(screen.getByRole('group', { name: 'Draw 1' })).getByText('Input should be less than or equal to 200.')).toBeInTheDocument()

    await user.click(screen.getByRole('radio', { name: 'Fixed list of questions' }))
    expect(screen.getByRole('checkbox', { name: /Question q-2/ })).toBeChecked()
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(await screen.findByText('quiz page')).toBeInTheDocument()
    const policy = (fake.calls('POST /api/v1/assessments')[1]?.body as { policy: Record<string, unknown> }).policy
    expect(policy.questions).toEqual(['q-2'])
    expect(policy).not.toHaveProperty('draws')
  }, 30_000)

  it('shows the draws of a quiz being edited and keeps them', async () => {
    const user = userEvent.setup()
    const existing = {
      ...assessment,
      policy: { ...assessment.policy, questions: [], draws: [{ skills: ['planets'], difficulty_min: 3, difficulty_max: 4, count: 2 }] },
    }
    const fake = fakeApi({
      ...mentorRoutes,
      'GET /api/v1/assessments/as-1': () => json(existing),
      'PATCH /api/v1/assessments/as-1': (seen) => json({ ...existing, ...(seen.body as object) }),
    })
    renderRoutes(routes, '/author/quizzes/as-1')
    const draw = await screen.findByRole('group', { name: 'Draw 1' })
    expect(screen.getByRole('radio', { name: 'Random draw from the question bank' })).toBeChecked()
    expect(await within(draw).findByRole('checkbox', { name: 'Planets' })).toBeChecked()
    expect(within(draw).getByRole('checkbox', { name: 'Stars' })).not.toBeChecked()
    expect(within(draw).getByLabelText('Lowest difficulty')).toHaveValue('3')
    expect(within(draw).getByLabelText('Highest difficulty')).toHaveValue('4')
    expect(within(draw).getByLabelText('Questions to draw')).toHaveValue('2')
    expect(await within(draw).findByText('2 questions of the bank match.')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Save quiz' }))
    expect(await screen.findByText('quiz page')).toBeInTheDocument()
    const body = fake.calls('PATCH /api/v1/assessments/as-1')[0]?.body as { policy: Record<string, unknown> }
    expect(body.policy.draws).toEqual([{ skills: ['planets'], difficulty_min: 3, difficulty_max: 4, count: 2 }])
    expect(body.policy).not.toHaveProperty('questions')
  }, 20_000)

  it('sums up a quiz of draws in the list', () => {
    const drawn = { ...assessment, policy: { ...assessment.policy, questions: [], draws: [{ count: 10 }, { count: 2 }] } }
    expect(settingsText(drawn as Parameters<typeof settingsText>[0])).toBe('up to 12 random questions · 10 min · 2 attempts')
  })
})
