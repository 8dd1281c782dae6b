import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, noContent, problem, tokenPair } from '@/test/fakeApi'
import { renderRoutes } from '@/test/render'
import { budgetMessage } from './api'
import { ApiError } from '@/api/problem'
import MentorPage from './MentorPage'

afterEach(() => clearSession())

const ID = '00000000-0000-4000-8000-00000000c001'
const LESSON_ID = '00000000-0000-4000-8000-0000000000e1'
const LESSON_URL = `/lessons/${LESSON_ID}`
const citation = { n: 1, lesson_id: LESSON_ID, title: 'How bright? The magnitude scale' }
const conversation = { id: ID, title: 'Magnitudes', mode: 'socratic', created_at: '2026-11-25T10:00:00Z', updated_at: '2026-11-25T10:00:00Z' }
const notice = "Your organisation's admins can read mentor conversations."

function sse(...events: Array<[string, unknown]>): string {
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('')
}

/** A text/event-stream body: `chunks` now, then either the end or nothing more until cancelled. */
function stream(chunks: string[], { hang = false, onCancel }: { hang?: boolean; onCancel?: () => void } = {}): Response {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      if (!hang) controller.close()
    },
    cancel: () => onCancel?.(),
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
}

function routes(extra: Record<string, Parameters<typeof fakeApi>[0][string]>) {
  let messages: unknown[] = []
  const fake = fakeApi({
    'POST /api/v1/auth/refresh': () => json(tokenPair('access-learner')),
    'GET /api/v1/me': () => json(meBody('learner')),
    'GET /api/v1/mentor/conversations': () => json({ items: [conversation], total: 1, limit: 50, offset: 0 }),
    [`GET /api/v1/mentor/conversations/${ID}`]: () => json({ ...conversation, messages, notice }),
    ...extra,
  })
  return { fake, setMessages: (m: unknown[]) => (messages = m) }
}

function open() {
  return renderRoutes(
    [
      { path: '/mentor/:conversationId', element: <MentorPage /> },
      { path: '/mentor', element: <MentorPage /> },
      { path: '/lessons/:lessonId', element: <h1>The lesson page</h1> },
    ],
    `/mentor/${ID}`,
  )
}

const message = (id: string, role: string, content: string, extra: object = {}) => ({
  id,
  role,
  content,
  mode: 'socratic',
  status: 'complete',
  model: role === 'assistant' ? 'offline' : null,
  citations: [],
  created_at: '2026-11-25T10:00:00Z',
  ...extra,
})

describe('the mentor chat', () => {
  it('streams the reply with the bearer token, renders its Markdown and links the citation to the lesson', async () => {
    const user = userEvent.setup()
    const { fake, setMessages } = routes({
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () => {
        setMessages([
          message('m1', 'user', 'What is a magnitude?'),
          message('m2', 'assistant', 'Brightness is measured in **magnitudes** [1].\n\nWhat do you notice?', { citations: [citation] }),
        ])
        return stream([
          sse(['message', { id: 'm1', citations: [citation] }], ['delta', { text: 'Brightness is measured in ' }]),
          sse(['delta', { text: '**magnitudes** [1].\n\nWhat do you notice?' }], ['done', { message_id: 'm2', citations: [citation] }]),
        ])
      },
    })
    const { router } = open()
    expect(await screen.findByText(notice)).toBeInTheDocument()
    await user.type(screen.getByLabelText('Your question'), 'What is a magnitude?')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    const reply = await screen.findByTestId('mentor-reply')
    await waitFor(() => expect(within(reply).getByText('magnitudes').tagName).toBe('STRONG'))
    const [post] = fake.calls(`POST /api/v1/mentor/conversations/${ID}/messages`)
    expect(post!.headers.get('Authorization')).toBe('Bearer access-learner')
    expect(post!.body).toEqual({ content: 'What is a magnitude?', mode: 'socratic', hint_level: 1 })
    const link = await within(reply).findByRole('link', { name: citation.title })
    expect(link).toHaveAttribute('href', LESSON_URL)
    await user.click(link)
    expect(await screen.findByRole('heading', { name: 'The lesson page' })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe(LESSON_URL)
  })

  it('sends the chosen mode and hint level, and remembers the mode on the conversation', async () => {
    const user = userEvent.setup()
    const { fake } = routes({
      [`PATCH /api/v1/mentor/conversations/${ID}`]: (seen) => json({ ...conversation, ...(seen.body as object) }),
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () => stream([sse(['message', { id: 'm1', citations: [] }], ['done', { message_id: 'm2', citations: [] }])]),
    })
    open()
    await user.selectOptions(await screen.findByLabelText('Mode'), 'hint')
    await user.selectOptions(screen.getByLabelText('Hint'), '2')
    await user.type(screen.getByLabelText('Your question'), 'Stuck on parsecs{Enter}')
    await waitFor(() => expect(fake.calls(`POST /api/v1/mentor/conversations/${ID}/messages`)).toHaveLength(1))
    expect(fake.calls(`POST /api/v1/mentor/conversations/${ID}/messages`)[0]!.body).toEqual({ content: 'Stuck on parsecs', mode: 'hint', hint_level: 2 })
    expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)[0]!.body).toEqual({ mode: 'hint' })
  })

  it('stops the reply: the connection is closed and what was written stays on screen', async () => {
    const user = userEvent.setup()
    let cancelled = false
    routes({
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () =>
        stream([sse(['message', { id: 'm1', citations: [] }], ['delta', { text: 'A parsec is about' }])], {
          hang: true,
          onCancel: () => (cancelled = true),
        }),
    })
    open()
    await user.type(await screen.findByLabelText('Your question'), 'What is a parsec?')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(await screen.findByText('A parsec is about')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Stop' }))
    expect(await screen.findByText('Stopped. What was written so far is kept.')).toBeInTheDocument()
    expect(cancelled).toBe(true)
    expect(screen.getByText('A parsec is about')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument()
  })

  it('says kindly when the daily budget is used up and when the mentor is back, and keeps the question', async () => {
    const user = userEvent.setup()
    const resets = new Date(Date.now() + 3 * 60 * 60_000).toISOString()
    routes({
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () =>
        new Response(
          JSON.stringify({ type: 'https://starguide.dev/problems/budget-exceeded', title: 'AI budget reached', status: 429, detail: 'x', cap: 'learner_daily', resets_at: resets }),
          { status: 429, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '10800' } },
        ),
    })
    open()
    await user.type(await screen.findByLabelText('Your question'), 'One more question')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent("You've used today's time with the mentor")
    expect(alert).toHaveTextContent('in about 3 hours')
    expect(screen.getByLabelText('Your question')).toHaveValue('One more question')
  })

  it('shows an error event from the stream, and a partial answer kept by the server as stopped', async () => {
    const user = userEvent.setup()
    const { setMessages } = routes({
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () => {
        setMessages([message('m1', 'user', 'Why?'), message('m2', 'assistant', 'Because the', { status: 'partial' })])
        return stream([sse(['message', { id: 'm1', citations: [] }], ['delta', { text: 'Because the' }], ['error', { message_id: 'm2', detail: 'The answer was cut off; what arrived is kept.', kind: 'connection' }])])
      },
    })
    open()
    await user.type(await screen.findByLabelText('Your question'), 'Why?')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The answer was cut off; what arrived is kept.')
    expect(await screen.findByText('This answer was stopped before it finished.')).toBeInTheDocument()
  })
})

describe('a held message', () => {
  it('shows the kind message the server sends instead of the reply', async () => {
    const user = userEvent.setup()
    routes({
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () =>
        stream([sse(['message', { id: 'm1', citations: [] }], ['delta', { text: 'The answer to question 3 is' }], ['held', { message_id: 'm2', text: 'Let us work it out together instead.' }])]),
    })
    open()
    await user.type(await screen.findByLabelText('Your question'), 'Answer to question 3?')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(await screen.findByText('Let us work it out together instead.')).toBeInTheDocument()
    expect(screen.queryByText('The answer to question 3 is')).toBeNull()
    expect(screen.queryByRole('alert')).toBeNull()
  })
})

describe('the conversation list', () => {
  it('starts a conversation about the lesson the learner came from', async () => {
    const user = userEvent.setup()
    const { fake } = routes({
      'POST /api/v1/mentor/conversations': (seen) => json({ ...conversation, ...(seen.body as object), notice }, 201),
      [`POST /api/v1/mentor/conversations/${ID}/messages`]: () => stream([sse(['done', { message_id: 'm2', citations: [] }])]),
    })
    renderRoutes([{ path: '/mentor/:conversationId', element: <MentorPage /> }, { path: '/mentor', element: <MentorPage /> }], '/mentor?lesson=L1')
    await user.type(await screen.findByLabelText('Your question'), 'What is a parsec?')
    await user.click(screen.getByRole('button', { name: 'Ask the mentor' }))
    await waitFor(() => expect(fake.calls('POST /api/v1/mentor/conversations')).toHaveLength(1))
    expect(fake.calls('POST /api/v1/mentor/conversations')[0]!.body).toEqual({ title: 'What is a parsec?', lesson_id: 'L1' })
  })

  it('renames and deletes a conversation, and searches', async () => {
    const user = userEvent.setup()
    const { fake } = routes({
      [`PATCH /api/v1/mentor/conversations/${ID}`]: (seen) => json({ ...conversation, ...(seen.body as object) }),
      [`DELETE /api/v1/mentor/conversations/${ID}`]: () => noContent(),
    })
    const { router } = open()
    await user.click(await screen.findByRole('button', { name: 'Rename “Magnitudes”' }))
    const name = screen.getByLabelText('Name')
    await user.clear(name)
    await user.type(name, 'Star brightness')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)).toHaveLength(1))
    expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)[0]!.body).toEqual({ title: 'Star brightness' })
    await user.type(screen.getByLabelText('Search conversations'), 'sirius')
    await waitFor(() => expect(fake.seen.some((s) => s.path.startsWith('/api/v1/mentor/conversations?') && s.path.includes('q=sirius'))).toBe(true))
    await user.click(screen.getByRole('button', { name: /^Delete “/ }))
    await user.click(screen.getByRole('button', { name: 'Delete' }))
    await waitFor(() => expect(router.state.location.pathname).toBe('/mentor'))
    expect(fake.calls(`DELETE /api/v1/mentor/conversations/${ID}`)).toHaveLength(1)
  })
})

describe('what a conversation is about', () => {
  const C1 = '00000000-0000-4000-8000-0000000000c1'
  const C2 = '00000000-0000-4000-8000-0000000000c2'
  const C3 = '00000000-0000-4000-8000-0000000000c3'
  const L2 = '00000000-0000-4000-8000-0000000000e2'
  const course = (id: string, title: string, enrolled: boolean) => ({
    id,
    slug: title.toLowerCase(),
    title,
    summary: '',
    language: 'en',
    published: true,
    self_enrol: true,
    created_at: '2026-11-25T10:00:00Z',
    updated_at: '2026-11-25T10:00:00Z',
    enrolled,
  })
  const lesson = (id: string, title: string) => ({ id, module_id: 'm', slug: 's', title, position: 0, published: true, skills: [], estimated_minutes: null })
  const outline = (c: ReturnType<typeof course>, lessons: unknown[]) => ({ course: c, skills: [], lessons_total: lessons.length, lessons_completed: 0, modules: [{ id: 'm', course_id: c.id, title: 'One', position: 0, lessons }] })
  const stars = course(C1, 'Stars', true)
  const planets = course(C2, 'Planets', true)
  const galaxies = course(C3, 'Galaxies', false)

  function withPlace(patch: (body: Record<string, unknown>) => Response) {
    let place: { course_id: string | null; lesson_id: string | null } = { course_id: C1, lesson_id: LESSON_ID }
    const fake = fakeApi({
      'POST /api/v1/auth/refresh': () => json(tokenPair('access-learner')),
      'GET /api/v1/me': () => json(meBody('learner')),
      'GET /api/v1/mentor/conversations': () => json({ items: [conversation], total: 1, limit: 50, offset: 0 }),
      [`GET /api/v1/mentor/conversations/${ID}`]: () => json({ ...conversation, ...place, messages: [], notice }),
      [`PATCH /api/v1/mentor/conversations/${ID}`]: (seen) => {
        const response = patch(seen.body as Record<string, unknown>)
        if (response.ok) place = seen.body as typeof place
        return response
      },
      'GET /api/v1/courses': () => json({ items: [stars, planets, galaxies], total: 3, limit: 100, offset: 0 }),
      [`GET /api/v1/courses/${C1}/outline`]: () => json(outline(stars, [lesson(LESSON_ID, 'The magnitude scale')])),
      [`GET /api/v1/courses/${C2}/outline`]: () => json(outline(planets, [lesson(L2, 'Orbits')])),
    })
    return fake
  }

  it('shows the course and lesson, picks another course and lesson the learner is enrolled in, and clears them', async () => {
    const user = userEvent.setup()
    const fake = withPlace((body) => json({ ...conversation, ...body, notice }))
    open()
    const about = await screen.findByTestId('conversation-about')
    await waitFor(() => expect(about).toHaveTextContent('About: Stars · The magnitude scale'))

    await user.click(screen.getByRole('button', { name: 'Change course or lesson' }))
    const courseSelect = screen.getByLabelText('Course')
    expect(courseSelect).toHaveFocus()
    expect(within(courseSelect).getAllByRole('option').map((o) => o.textContent)).toEqual(['Any course', 'Stars', 'Planets'])
    await user.selectOptions(courseSelect, C2)
    await user.selectOptions(await screen.findByLabelText('Lesson'), await screen.findByRole('option', { name: 'Orbits' }))
    await user.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)).toHaveLength(1))
    expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)[0]!.body).toEqual({ course_id: C2, lesson_id: L2 })
    await waitFor(() => expect(screen.getByTestId('conversation-about')).toHaveTextContent('About: Planets · Orbits'))
    expect(screen.queryByLabelText('Course')).not.toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Change course or lesson' }))
    await user.selectOptions(screen.getByLabelText('Course'), '')
    expect(screen.queryByLabelText('Lesson')).not.toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)).toHaveLength(2))
    expect(fake.calls(`PATCH /api/v1/mentor/conversations/${ID}`)[1]!.body).toEqual({ course_id: null, lesson_id: null })
    await waitFor(() => expect(screen.getByTestId('conversation-about')).toHaveTextContent('About: Any course'))
  })

  it('shows a refusal in the form and keeps it open', async () => {
    const user = userEvent.setup()
    withPlace(() => problem(403, 'You are not enrolled in this course.'))
    open()
    await user.click(await screen.findByRole('button', { name: 'Change course or lesson' }))
    await user.selectOptions(screen.getByLabelText('Course'), C2)
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('You are not enrolled in this course.')
    expect(screen.getByLabelText('Course')).toHaveValue(C2)
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.getByTestId('conversation-about')).toHaveTextContent('About: Stars · The magnitude scale')
  })
})

describe('budget messages', () => {
  const problem = (cap: string, resets_at: string) =>
    new ApiError(429, { type: 'https://starguide.dev/problems/budget-exceeded', title: 'x', status: 429, cap, resets_at } as never)
  const now = new Date('2026-11-25T18:30:00Z')
  it('names the organisation cap and the day it resets', () => {
    expect(budgetMessage(problem('organisation_monthly', '2026-12-01T00:00:00Z'), now)).toMatch(/^Your organisation has used this month's mentor budget\. The mentor will be back on /)
  })
  it('counts minutes when the reset is close, and ignores other 429s', () => {
    expect(budgetMessage(problem('learner_daily', '2026-11-25T18:50:00Z'), now)).toContain('in 20 minutes')
    expect(budgetMessage(new ApiError(429, { type: 'https://starguide.dev/problems/rate-limited', title: 'x', status: 429 } as never), now)).toBeNull()
  })
})
