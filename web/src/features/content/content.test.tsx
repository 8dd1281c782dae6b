import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderRoutes } from '@/test/render'
import CourseEditorPage from './CourseEditorPage'
import CoursesPage from './CoursesPage'
import LessonEditorPage from './LessonEditorPage'
import QuestionBankPage from './QuestionBankPage'
import { buildQuestion, draftOf } from './QuestionEditor'

afterEach(() => clearSession())

const as = (role: 'learner' | 'mentor') => ({
  'POST /api/v1/auth/refresh': () => json(tokenPair()),
  'GET /api/v1/me': () => json(meBody(role)),
})

const course = {
  id: 'c-1',
  slug: 'stars',
  title: 'Stars',
  summary: 'The night sky.',
  language: 'en',
  published: true,
  self_enrol: true,
  created_at: '2026-11-25T10:00:00Z',
  updated_at: '2026-11-25T10:00:00Z',
  enrolled: false,
}

const page = <T,>(items: T[]) => ({ items, total: items.length, limit: 100, offset: 0 })

describe('question editor', () => {
  it('writes each type as the bank expects it and checks it first', () => {
    const draft = draftOf(null)
    expect(buildQuestion(draft).errors).toEqual({
      'question.text': 'Write the question.',
      'question.choices': 'Write at least two choices.',
    })
    const single = buildQuestion({
      ...draft,
      text: 'Brightest star?',
      explanation: 'Sirius, at −1.46.',
      choices: [
        { id: 'a', text: 'Sirius', correct: true, feedback: '' },
        { id: 'b', text: 'Vega', correct: false, feedback: 'Vega is fainter.' },
        { id: 'c', text: '', correct: false, feedback: '' },
      ],
    })
    expect(single.spec).toEqual({
      type: 'single_choice',
      text: 'Brightest star?',
      explanation: 'Sirius, at −1.46.',
      hints: [],
      difficulty: 2,
      skills: [],
      choices: [
        { id: 'a', text: 'Sirius', correct: true },
        { id: 'b', text: 'Vega', correct: false, feedback: 'Vega is fainter.' },
      ],
    })
    const numeric = buildQuestion({ ...draft, type: 'numeric', text: 'AU in km?', value: '1,496e8', tolerance: '1e6' })
    expect(numeric.spec).toMatchObject({ type: 'numeric', answers: [{ value: 149600000, tolerance: 1000000 }] })
    expect(buildQuestion({ ...draft, type: 'numeric', text: 'x', value: 'lots' }).errors).toEqual({
      'question.answers': 'Enter the right value as a number.',
    })
    expect(buildQuestion({ ...draft, type: 'short_text', text: 'Name?', answers: ' Sirius \n\nAlpha CMa' }).spec).toMatchObject({
      answers: [{ text: 'Sirius' }, { text: 'Alpha CMa' }],
      case_sensitive: false,
    })
    expect(buildQuestion({ ...draft, type: 'ordering', text: 'Closest first', items: 'Mercury\n Venus \nEarth' }).spec).toMatchObject({
      type: 'ordering',
      items: [
        { id: 'i1', text: 'Mercury' },
        { id: 'i2', text: 'Venus' },
        { id: 'i3', text: 'Earth' },
      ],
    })
    expect(
      buildQuestion({ ...draft, type: 'matching', text: 'Match', pairs: 'Moon -> Earth\nPhobos -> Mars', distractors: 'Venus' }).spec,
    ).toMatchObject({
      pairs: [
        { id: 'p1', prompt: 'Moon', answer: 'Earth' },
        { id: 'p2', prompt: 'Phobos', answer: 'Mars' },
      ],
      distractors: ['Venus'],
    })
    expect(buildQuestion({ ...draft, type: 'matching', text: 'Match', pairs: 'Moon Earth' }).errors).toEqual({
      'question.pairs': 'Write at least two pairs, one a line, as “prompt -> answer”.',
    })
    expect(buildQuestion({ ...draft, type: 'true_false', text: 'The Sun is a star.', truth: false }).spec).toMatchObject({
      type: 'true_false',
      answer: false,
    })
  })

  it('keeps what the form does not show when a question is edited', () => {
    const stored = {
      type: 'numeric',
      text: 'Distance to the Sun?',
      explanation: '',
      hints: [],
      difficulty: 3,
      skills: [],
      unit_mode: 'required',
      units: [{ name: 'AU', factor: 1 }],
      answers: [
        { value: 1, tolerance: 0.01, credit: 1 },
        { minimum: 0.9, maximum: 1.1, credit: 0.5, feedback: 'Close.' },
      ],
    }
    const read = { id: 'q', course_id: 'c', key: 'k', category: null, type: 'numeric', difficulty: 3, skills: [], version: 1, archived: false, question: stored, updated_at: '' }
    const draft = draftOf(read)
    expect(draft.value).toBe('1')
    expect(buildQuestion({ ...draft, value: '1.0', tolerance: '0.02' }, stored).spec).toMatchObject({
      unit_mode: 'required',
      units: [{ name: 'AU', factor: 1 }],
      difficulty: 3,
      answers: [
        { value: 1, tolerance: 0.02, credit: 1 },
        { minimum: 0.9, maximum: 1.1, credit: 0.5, feedback: 'Close.' },
      ],
    })
    const weighted = {
      type: 'multiple_choice',
      text: 'Pick',
      scoring: 'weighted',
      choices: [
        { id: 'a', text: 'A', correct: true, weight: 50, feedback: 'Half.' },
        { id: 'b', text: 'B', correct: true, weight: 50 },
      ],
    }
    const mc = draftOf({ ...read, type: 'multiple_choice', question: weighted })
    expect(mc.scoring).toBe('weighted')
    const choices = mc.choices.map((c) => (c.id === 'a' ? { ...c, feedback: '' } : c))
    expect(buildQuestion({ ...mc, choices }, weighted).spec).toMatchObject({
      scoring: 'weighted',
      choices: [
        { id: 'a', text: 'A', correct: true, weight: 50 },
        { id: 'b', text: 'B', correct: true, weight: 50 },
      ],
    })
    expect((buildQuestion({ ...mc, choices }, weighted).spec as { choices: object[] }).choices[0]).not.toHaveProperty('feedback')
  })

  it('adds a multiple-choice question to the bank from the form', async () => {
    const user = userEvent.setup()
    const questions: unknown[] = []
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/courses/c-1': () => json(course),
      'GET /api/v1/courses/c-1/questions': () => json(page(questions)),
      'GET /api/v1/courses/c-1/skills': () => json([{ slug: 'planets', name: 'Planets', description: '' }]),
      'POST /api/v1/courses/c-1/questions': (seen) => {
        const body = seen.body as { question: { text: string; type: string } }
        const created = {
          id: 'q-1',
          course_id: 'c-1',
          key: 'q-0001',
          category: null,
          type: body.question.type,
          difficulty: 2,
          skills: [],
          version: 1,
          archived: false,
          question: body.question,
          updated_at: '2026-11-25T10:00:00Z',
        }
        questions.push(created)
        return json(created, 201)
      },
    })
    renderRoutes([{ path: '/author/courses/:courseId/questions', element: <QuestionBankPage /> }], '/author/courses/c-1/questions')
    expect(await screen.findByText('No questions yet')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'New question' }))
    await user.selectOptions(screen.getByLabelText('Question type'), 'multiple_choice')
    await user.click(screen.getByRole('button', { name: 'Add question' }))
    expect(screen.getByText('Write the question.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/courses/c-1/questions')).toHaveLength(0)

    await user.type(screen.getByLabelText('Question text (Markdown)'), 'Which are planets?')
    await user.type(screen.getByLabelText('Choice 1'), 'Mars')
    await user.type(screen.getByLabelText('Choice 2'), 'Sirius')
    await user.type(screen.getByLabelText('Choice 3'), 'Venus')
    await user.click(screen.getByLabelText('Choice 3 is correct'))
    await user.type(screen.getByLabelText('Explanation (shown after answering)'), 'Sirius is a star.')
    await user.click(screen.getByRole('checkbox', { name: 'Planets' }))
    await user.click(screen.getByRole('button', { name: 'Add question' }))
    expect(await screen.findByText('Question added.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/courses/c-1/questions')[0]?.body).toEqual({
      question: {
        type: 'multiple_choice',
        text: 'Which are planets?',
        explanation: 'Sirius is a star.',
        hints: [],
        difficulty: 2,
        skills: ['planets'],
        scoring: 'right_minus_wrong',
        choices: [
          { id: 'a', text: 'Mars', correct: true },
          { id: 'b', text: 'Sirius', correct: false },
          { id: 'c', text: 'Venus', correct: true },
        ],
      },
    })
    const table = await screen.findByRole('table', { name: 'Questions' })
    expect(within(table).getByText('Which are planets?')).toBeInTheDocument()
  }, 20_000)

  it('lists every error of a refused GIFT file with its line', async () => {
    const user = userEvent.setup()
    fakeApi({
      ...as('mentor'),
      'GET /api/v1/courses/c-1': () => json(course),
      'GET /api/v1/courses/c-1/questions': () => json(page([])),
      'POST /api/v1/courses/c-1/questions/gift': () => {
        const response = problem(422, 'The GIFT file has 2 error(s); nothing was imported.')
        return response.json().then((body: object) =>
          json({ ...body, gift_errors: [{ line: 3, message: 'unclosed {' }, { line: 9, message: 'no right answer' }] }, 422),
        )
      },
    })
    renderRoutes([{ path: '/author/courses/:courseId/questions', element: <QuestionBankPage /> }], '/author/courses/c-1/questions')
    await user.click(await screen.findByRole('button', { name: 'Import questions' }))
    expect(screen.getByText('Choose a GIFT file or paste its text.')).toBeInTheDocument()
    await user.type(screen.getByLabelText('GIFT text'), 'Sirius is a star{{T}')
    await user.click(screen.getByRole('button', { name: 'Import questions' }))
    const report = await screen.findByRole('list', { name: 'Errors in the GIFT file' })
    expect(within(report).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Line 3: unclosed {',
      'Line 9: no right answer',
    ])
    expect(screen.getByText('The GIFT file has 2 error(s); nothing was imported.')).toBeInTheDocument()
  })
})

describe('lesson editor', () => {
  it('previews the server’s rendering and saves', async () => {
    const user = userEvent.setup()
    const lesson = {
      id: 'l-1',
      module_id: 'm-1',
      course_id: 'c-1',
      slug: 'magnitudes',
      title: 'Magnitudes',
      skills: [],
      estimated_minutes: null,
      published: false,
      position: 0,
      body: '# Magnitudes',
      body_html: '<h1>Magnitudes</h1>',
    }
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/lessons/l-1': () => json(lesson),
      'GET /api/v1/courses/c-1/skills': () => json([]),
      'POST /api/v1/content/preview': () => json({ html: '<p><strong>Brighter</strong> stars</p>' }),
      'PATCH /api/v1/lessons/l-1': (seen) => json({ ...lesson, ...(seen.body as object), body_html: '<p>saved</p>' }),
    })
    renderRoutes([{ path: '/author/lessons/:lessonId', element: <LessonEditorPage /> }], '/author/lessons/l-1')
    const preview = await screen.findByLabelText('Lesson preview')
    expect(within(preview).getByRole('heading', { name: 'Magnitudes' })).toBeInTheDocument()
    const body = screen.getByLabelText('Lesson text (Markdown)')
    await user.clear(body)
    await user.type(body, '**Brighter** stars')
    await user.click(screen.getByRole('button', { name: 'Update preview' }))
    expect(await within(preview).findByText('Brighter')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/content/preview')[0]?.body).toEqual({ body: '**Brighter** stars' })
    await user.click(screen.getByLabelText(/^Published/))
    await user.click(screen.getByRole('button', { name: 'Save lesson' }))
    expect(await screen.findByText('Lesson saved.')).toBeInTheDocument()
    expect(fake.calls('PATCH /api/v1/lessons/l-1')[0]?.body).toEqual({
      title: 'Magnitudes',
      body: '**Brighter** stars',
      published: true,
      estimated_minutes: null,
      skills: [],
    })
  })
})

describe('course catalogue', () => {
  it('lets a learner enrol in a published course', async () => {
    let enrolled = false
    const fake = fakeApi({
      ...as('learner'),
      'GET /api/v1/courses': () => json(page([{ ...course, enrolled }])),
      'POST /api/v1/courses/c-1/enrolment': () => {
        enrolled = true
        return json({ course_id: 'c-1', user_id: 'u', enrolled_by_id: null, created_at: '2026-11-25T10:00:00Z' })
      },
    })
    renderRoutes([{ path: '/courses', element: <CoursesPage /> }], '/courses')
    await userEvent.click(await screen.findByRole('button', { name: 'Enrol in Stars' }))
    expect(await screen.findByRole('link', { name: 'Continue Stars' })).toHaveAttribute('href', '/courses/c-1')
    expect(fake.calls('POST /api/v1/courses/c-1/enrolment')).toHaveLength(1)
    expect(screen.queryByRole('link', { name: 'Manage courses' })).not.toBeInTheDocument()
  })
})

describe('course editor', () => {
  it('adds a skill, refuses to remove one still in use, and publishes', async () => {
    const user = userEvent.setup()
    let skills = [{ slug: 'stars', name: 'Stars', description: '' }]
    let published = false
    const fake = fakeApi({
      ...as('mentor'),
      'GET /api/v1/courses/c-1': () => json({ ...course, published }),
      'PATCH /api/v1/courses/c-1': (seen) => {
        published = Boolean((seen.body as { published?: boolean }).published)
        return json({ ...course, published, updated_at: '2026-11-25T11:00:00Z' })
      },
      'GET /api/v1/courses/c-1/outline': () =>
        json({ course, skills, modules: [], lessons_total: 0, lessons_completed: 0 }),
      'GET /api/v1/courses/c-1/skills': () => json(skills),
      'PUT /api/v1/courses/c-1/skills': (seen, count) => {
        if (count === 2) return problem(409, 'The skill “stars” is still used by a lesson.')
        skills = seen.body as typeof skills
        return json(skills)
      },
      'GET /api/v1/courses/c-1/enrolments': () => json(page([])),
      'GET /api/v1/org/members': () => json(page([])),
    })
    renderRoutes([{ path: '/author/courses/:courseId', element: <CourseEditorPage /> }], '/author/courses/c-1')
    const list = await screen.findByRole('list', { name: 'Skills of the course' })
    expect(within(list).getByText('Stars')).toBeInTheDocument()
    await user.type(screen.getByLabelText('New skill'), 'Lunar phases')
    await user.click(screen.getByRole('button', { name: 'Add skill' }))
    expect(await within(list).findByText('Lunar phases')).toBeInTheDocument()
    expect(fake.calls('PUT /api/v1/courses/c-1/skills')[0]?.body).toEqual([
      { slug: 'stars', name: 'Stars', description: '' },
      { slug: 'lunar-phases', name: 'Lunar phases', description: '' },
    ])
    await user.click(screen.getByRole('button', { name: 'Remove skill Stars' }))
    expect(await screen.findByText('The skill “stars” is still used by a lesson.')).toBeInTheDocument()
    expect(within(list).getByText('Stars')).toBeInTheDocument()

    expect(screen.getByText('Draft: only mentors can see it.')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Publish course' }))
    expect(await screen.findByText('The course is published.')).toBeInTheDocument()
    expect(fake.calls('PATCH /api/v1/courses/c-1')[0]?.body).toEqual({ published: true })
    expect(await screen.findByText('Published: learners can see it.')).toBeInTheDocument()
  }, 20_000)
})

describe('reordering the outline', () => {
  const lesson = (id: string, moduleId: string, title: string, position: number) => ({
    id,
    module_id: moduleId,
    slug: id,
    title,
    skills: [],
    estimated_minutes: null,
    published: true,
    position,
    opened_at: null,
    completed_at: null,
  })

  /** A server that keeps positions as the API does: set as given, the order is (position, creation). */
  function outlineServer(refuseLessons = false) {
    const modules = [
      { id: 'm-1', course_id: 'c-1', title: 'The sky', summary: '', position: 0 },
      { id: 'm-2', course_id: 'c-1', title: 'Telescopes', summary: '', position: 1 },
    ]
    const lessons = [lesson('l-1', 'm-1', 'Stars', 0), lesson('l-2', 'm-1', 'Planets', 1), lesson('l-3', 'm-2', 'Lenses', 0)]
    const byPosition = <T extends { position: number }>(items: T[]) => [...items].sort((a, b) => a.position - b.position)
    return fakeApi({
      ...as('mentor'),
      'GET /api/v1/courses/c-1': () => json(course),
      'GET /api/v1/courses/c-1/skills': () => json([]),
      'GET /api/v1/courses/c-1/enrolments': () => json(page([])),
      'GET /api/v1/org/members': () => json(page([])),
      'GET /api/v1/courses/c-1/outline': () =>
        json({
          course,
          skills: [],
          modules: byPosition(modules).map((m) => ({ ...m, lessons: byPosition(lessons.filter((l) => l.module_id === m.id)) })),
          lessons_total: lessons.length,
          lessons_completed: 0,
        }),
      'PATCH /api/v1/modules/m-1': (seen) => json(Object.assign(modules[0]!, seen.body)),
      'PATCH /api/v1/modules/m-2': (seen) => json(Object.assign(modules[1]!, seen.body)),
      ...Object.fromEntries(
        lessons.map((l) => [
          `PATCH /api/v1/lessons/${l.id}`,
          (seen: { body: unknown }) =>
            refuseLessons ? problem(404, 'No such lesson.') : json({ ...Object.assign(l, seen.body), course_id: 'c-1', body: '', body_html: '' }),
        ]),
      ),
    })
  }

  const titles = (name: string) =>
    within(screen.getByRole('region', { name })).getAllByRole('listitem').map((li) => within(li).getByRole('link').textContent)
  const moduleTitles = () => screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)

  it('moves modules and lessons up and down, one PATCH for each item whose position changes', async () => {
    const user = userEvent.setup()
    const fake = outlineServer()
    renderRoutes([{ path: '/author/courses/:courseId', element: <CourseEditorPage /> }], '/author/courses/c-1')
    expect(await screen.findByRole('button', { name: 'Move The sky up' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Move Telescopes down' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Move Stars up' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Move Planets down' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Move Lenses up' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Move Lenses down' })).toBeDisabled()

    // With the keyboard: the focused button is disabled once its module is first, so the focus moves on.
    screen.getByRole('button', { name: 'Move Telescopes up' }).focus()
    await user.keyboard('{Enter}')
    expect(moduleTitles()).toEqual(['Telescopes', 'The sky'])
    expect(screen.getByText('Telescopes is now module 1 of 2.')).toHaveAttribute('role', 'status')
    await waitFor(() => expect(fake.calls('PATCH /api/v1/modules/m-1')).toHaveLength(1))
    expect(fake.calls('PATCH /api/v1/modules/m-2')[0]?.body).toEqual({ position: 0 })
    expect(fake.calls('PATCH /api/v1/modules/m-1')[0]?.body).toEqual({ position: 1 })
    expect(screen.getByRole('button', { name: 'Move Telescopes up' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Move Telescopes down' })).toHaveFocus()

    // At the end of its module, the lesson's Move down is disabled: the focus goes to its Move up.
    screen.getByRole('button', { name: 'Move Stars down' }).focus()
    await user.keyboard('{Enter}')
    expect(titles('The sky')).toEqual(['Planets', 'Stars'])
    expect(screen.getByRole('button', { name: 'Move Stars up' })).toHaveFocus()
    await waitFor(() => expect(fake.calls('PATCH /api/v1/lessons/l-2')).toHaveLength(1))
    expect(fake.calls('PATCH /api/v1/lessons/l-1')[0]?.body).toEqual({ position: 1 })
    expect(fake.calls('PATCH /api/v1/lessons/l-2')[0]?.body).toEqual({ position: 0 })

    await user.selectOptions(screen.getByRole('combobox', { name: 'Move Stars to another module' }), 'Telescopes')
    await waitFor(() => expect(titles('Telescopes')).toEqual(['Lenses', 'Stars']))
    expect(titles('The sky')).toEqual(['Planets'])
    expect(fake.calls('PATCH /api/v1/lessons/l-1')[1]?.body).toEqual({ module_id: 'm-2', position: 1 })
    expect(screen.getByRole('link', { name: 'Stars' })).toHaveFocus()
    // The server's order after the moves is the one shown.
    await waitFor(() => expect(fake.calls('GET /api/v1/courses/c-1/outline').length).toBeGreaterThan(3))
    expect(moduleTitles()).toEqual(['Telescopes', 'The sky'])
    expect(titles('Telescopes')).toEqual(['Lenses', 'Stars'])
  }, 30_000)

  it('puts a lesson back and says why when the server refuses the move', async () => {
    const user = userEvent.setup()
    outlineServer(true)
    renderRoutes([{ path: '/author/courses/:courseId', element: <CourseEditorPage /> }], '/author/courses/c-1')
    await user.click(await screen.findByRole('button', { name: 'Move Planets up' }))
    expect(await screen.findByText('No such lesson.')).toBeInTheDocument()
    await waitFor(() => expect(titles('The sky')).toEqual(['Stars', 'Planets']))
  }, 20_000)
})
