import { act, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { useAuth } from '@/lib/auth/context'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderAt, renderRoutes } from '@/test/render'
import AlertPage from './AlertPage'
import AlertsPage from './AlertsPage'
import { type AlertSource, AlertToasts, OpenAlertsBadge } from './AlertToasts'
import { type AlertNotice, categoryLabel } from './api'
import LearnerConversationPage from './LearnerConversationPage'
import LearnerConversationsPage from './LearnerConversationsPage'

afterEach(() => clearSession())

const ORG = '00000000-0000-4000-8000-000000000001'
const ALERT = '00000000-0000-4000-8000-0000000000a1'
const CONV = '00000000-0000-4000-8000-0000000000c1'
const MSG = '00000000-0000-4000-8000-0000000000d1'
const LEARNER = '00000000-0000-4000-8000-0000000000b1'
const MENTOR_ID = meBody('mentor').id

const mentor = {
  'POST /api/v1/auth/refresh': () => json(tokenPair('access-mentor', ORG)),
  'GET /api/v1/me': () => json(meBody('mentor')),
}

const heldMessage = {
  id: MSG,
  role: 'user',
  content: 'I want to kill myself <b>now</b>',
  mode: 'socratic',
  status: 'held',
  model: null,
  citations: [],
  created_at: '2026-11-25T10:00:00Z',
  categories: ['self_harm'],
  redacted: false,
}

const alert = {
  id: ALERT,
  conversation_id: CONV,
  message_id: MSG,
  learner_id: LEARNER,
  learner_name: 'Lee Learner',
  direction: 'input',
  categories: ['self_harm'],
  source: 'builtin',
  status: 'open',
  created_at: '2026-11-25T10:00:00Z',
  resolved_at: null,
  resolved_by_id: null,
  resolution_note: null,
  message: null,
}

const page = <T,>(items: T[], total = items.length, offset = 0) => ({ items, total, limit: 20, offset })

describe('category labels', () => {
  it('names the built-in categories and tidies the provider’s', () => {
    expect(categoryLabel('self_harm')).toBe('Self-harm')
    expect(categoryLabel('personal_data')).toBe('Personal data')
    expect(categoryLabel('harassment/threatening')).toBe('Harassment / threatening')
  })
})

describe('the alerts list', () => {
  it('lists open alerts with their categories, switches to resolved ones and pages', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...mentor,
      'GET /api/v1/mentor/alerts': (seen) => {
        const query = new URL(seen.path, 'http://x').searchParams
        if (query.get('status') === 'resolved') return json(page([], 0))
        const offset = Number(query.get('offset'))
        return json(page([{ ...alert, learner_name: offset ? 'Second Page' : 'Lee Learner' }], 25, offset))
      },
    })
    renderAt('/alerts', <AlertsPage />)
    const link = await screen.findByRole('link', { name: 'Lee Learner' })
    expect(link).toHaveAttribute('href', `/alerts/${ALERT}`)
    const table = screen.getByRole('table', { name: 'Open alerts' })
    expect(within(table).getByText('Self-harm')).toBeInTheDocument()
    expect(within(table).getByText('The learner’s message')).toBeInTheDocument()
    expect(screen.getByText('1–20 of 25')).toBeInTheDocument()
    expect(fake.calls('GET /api/v1/mentor/alerts')[0]!.path).toContain('status=open')

    await user.click(screen.getByRole('button', { name: 'Next' }))
    expect(await screen.findByRole('link', { name: 'Second Page' })).toBeInTheDocument()
    expect(fake.calls('GET /api/v1/mentor/alerts').at(-1)!.path).toContain('offset=20')

    await user.click(screen.getByRole('button', { name: 'Resolved' }))
    expect(await screen.findByText('No resolved alerts yet')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Resolved' })).toHaveAttribute('aria-pressed', 'true')
    expect(fake.calls('GET /api/v1/mentor/alerts').at(-1)!.path).toContain('status=resolved')
  })
})

describe('one alert', () => {
  function openAlert() {
    return renderRoutes(
      [
        { path: '/alerts/:alertId', element: <AlertPage /> },
        { path: '/learner-conversations/:conversationId', element: <h1>The conversation page</h1> },
      ],
      `/alerts/${ALERT}`,
    )
  }

  it('shows the held message as text with its categories, and resolves with a note', async () => {
    const user = userEvent.setup()
    let current: Record<string, unknown> = { ...alert, message: heldMessage }
    const fake = fakeApi({
      ...mentor,
      [`GET /api/v1/mentor/alerts/${ALERT}`]: () => json(current),
      'GET /api/v1/mentor/alerts': () => json(page([], 0)),
      [`POST /api/v1/mentor/alerts/${ALERT}/resolve`]: (seen) => {
        current = { ...current, status: 'resolved', resolved_at: '2026-11-25T11:00:00Z', resolved_by_id: MENTOR_ID, resolution_note: (seen.body as { note: string }).note }
        return json(current)
      },
    })
    openAlert()
    expect(await screen.findByRole('heading', { name: 'Alert: Lee Learner' })).toBeInTheDocument()
    const held = screen.getByRole('article', { name: /Learner, .*held/ })
    // The learner's words are text: markup in them is shown, never rendered.
    expect(within(held).getByText('I want to kill myself <b>now</b>')).toBeInTheDocument()
    expect(within(held).getByText('Held: Self-harm')).toBeInTheDocument()
    expect(screen.getByText('StarGuide’s safety filter')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Open the conversation' })).toHaveAttribute(
      'href',
      `/learner-conversations/${CONV}#message-${MSG}`,
    )

    await user.type(screen.getByLabelText('What was done (optional)'), 'Called Lee and the school counsellor.')
    await user.click(screen.getByRole('button', { name: 'Mark as resolved' }))
    expect(await screen.findByText('Alert resolved.')).toBeInTheDocument()
    expect(fake.calls(`POST /api/v1/mentor/alerts/${ALERT}/resolve`)[0]!.body).toEqual({ note: 'Called Lee and the school counsellor.' })
    expect(await screen.findByText('Called Lee and the school counsellor.', { selector: 'p' })).toBeInTheDocument()
    expect(screen.getByText(/Resolved by you/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Mark as resolved' })).not.toBeInTheDocument()
  })

  it('says kindly when someone else resolved it first, and shows their note', async () => {
    const user = userEvent.setup()
    let current: Record<string, unknown> = { ...alert, message: heldMessage }
    fakeApi({
      ...mentor,
      [`GET /api/v1/mentor/alerts/${ALERT}`]: () => json(current),
      'GET /api/v1/mentor/alerts': () => json(page([], 0)),
      [`POST /api/v1/mentor/alerts/${ALERT}/resolve`]: () => {
        current = { ...current, status: 'resolved', resolved_at: '2026-11-25T11:00:00Z', resolved_by_id: 'someone-else', resolution_note: 'Handled by the head of year.' }
        return problem(409, 'This alert has already been resolved.')
      },
    })
    openAlert()
    await user.click(await screen.findByRole('button', { name: 'Mark as resolved' }))
    expect(await screen.findByText('Another mentor or admin has already resolved this alert.')).toBeInTheDocument()
    expect(await screen.findByText('Handled by the head of year.')).toBeInTheDocument()
    expect(screen.getByText(/Resolved by another mentor or admin/)).toBeInTheDocument()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('explains an alert that cannot be found', async () => {
    fakeApi({ ...mentor, [`GET /api/v1/mentor/alerts/${ALERT}`]: () => problem(404, 'No such alert.') })
    openAlert()
    expect(await screen.findByRole('heading', { name: 'This alert could not be loaded' })).toBeInTheDocument()
    expect(screen.getByText('No such alert.')).toBeInTheDocument()
  })
})

describe('learners’ conversations', () => {
  it('lists one learner’s conversations from the address and searches titles', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...mentor,
      'GET /api/v1/mentor/learner-conversations': () =>
        json(
          page([
            {
              id: CONV,
              title: 'Star distances',
              mode: 'socratic',
              created_at: '2026-11-25T09:00:00Z',
              updated_at: '2026-11-25T10:00:00Z',
              notice: '',
              user_id: LEARNER,
              learner_name: 'Lee Learner',
            },
          ]),
        ),
    })
    renderAt(`/learner-conversations?learner_id=${LEARNER}`, <LearnerConversationsPage />)
    expect(await screen.findByRole('link', { name: 'Star distances' })).toHaveAttribute('href', `/learner-conversations/${CONV}`)
    expect(screen.getByRole('heading', { name: 'Conversations: Lee Learner' })).toBeInTheDocument()
    expect(fake.calls('GET /api/v1/mentor/learner-conversations')[0]!.path).toContain(`learner_id=${LEARNER}`)

    await user.type(screen.getByLabelText('Search titles'), 'parsec')
    await user.click(screen.getByRole('button', { name: 'Search' }))
    await waitFor(() => expect(fake.calls('GET /api/v1/mentor/learner-conversations').at(-1)!.path).toContain('q=parsec'))
    expect(fake.calls('GET /api/v1/mentor/learner-conversations').at(-1)!.path).toContain(`learner_id=${LEARNER}`)

    await user.click(screen.getByRole('button', { name: 'Show every learner' }))
    await waitFor(() => expect(fake.calls('GET /api/v1/mentor/learner-conversations').at(-1)!.path).not.toContain('learner_id'))
  })

  it('shows the conversation read-only: held messages marked, replies as safe Markdown, the alert’s message highlighted', async () => {
    fakeApi({
      ...mentor,
      [`GET /api/v1/mentor/learner-conversations/${CONV}`]: () =>
        json({
          id: CONV,
          title: 'Star distances',
          mode: 'socratic',
          created_at: '2026-11-25T09:00:00Z',
          updated_at: '2026-11-25T10:00:00Z',
          notice: '',
          user_id: LEARNER,
          learner_name: 'Lee Learner',
          messages: [
            { ...heldMessage, id: 'm0', status: 'complete', categories: [], content: 'How far is Vega?' },
            {
              ...heldMessage,
              id: 'm1',
              role: 'assistant',
              status: 'complete',
              categories: [],
              model: 'offline',
              content: 'About **25 light-years**. <img src=x onerror="alert(1)"> [bad](javascript:alert(1))',
            },
            heldMessage,
            {
              ...heldMessage,
              id: 'm3',
              role: 'assistant',
              content: 'Call me on +44 20 7946 0958',
              categories: ['personal_data'],
            },
          ],
        }),
    })
    const { container } = renderRoutes(
      [{ path: '/learner-conversations/:conversationId', element: <LearnerConversationPage /> }],
      `/learner-conversations/${CONV}#message-${MSG}`,
    )
    expect(await screen.findByRole('heading', { name: 'Star distances' })).toBeInTheDocument()
    expect(screen.getByText(/2 messages were held/)).toBeInTheDocument()
    const messages = screen.getAllByTestId('oversight-message')
    expect(messages).toHaveLength(4)
    expect(within(messages[1]!).getByText('25 light-years').tagName).toBe('STRONG')
    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('a[href^="javascript"]')).toBeNull()
    expect(within(messages[2]!).getByText('Held: Self-harm')).toBeInTheDocument()
    expect(messages[2]).toHaveClass('ring-4')
    expect(within(messages[3]!).getByText('Held: Personal data')).toBeInTheDocument()
    expect(within(messages[3]!).getByText(/Stopped by the safety filter/)).toBeInTheDocument()
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Their progress' })).toHaveAttribute('href', `/learners/${LEARNER}`)
  })
})

describe('alerts in real time', () => {
  function fakeSource() {
    const listeners: Array<(e: AlertNotice) => void> = []
    let disconnected = false
    return {
      source: {
        on: (_: string, listener: (e: AlertNotice) => void) => listeners.push(listener),
        disconnect: () => {
          disconnected = true
        },
      } satisfies AlertSource,
      fire: (e: AlertNotice) => act(() => listeners.forEach((l) => l(e))),
      get disconnected() {
        return disconnected
      },
    }
  }

  function Host({ connect }: { connect: () => Promise<AlertSource> }) {
    const { me } = useAuth()
    return me ? (
      <>
        <AlertToasts organisationId={me.active_organisation?.id ?? null} connect={connect} />
        <p>
          Alerts
          <OpenAlertsBadge />
        </p>
      </>
    ) : null
  }

  it('shows a toast for a new alert of this organisation and refreshes the open count', async () => {
    let open = 1
    const fake = fakeApi({
      ...mentor,
      'GET /api/v1/mentor/alerts': () => json({ items: [], total: open, limit: 1, offset: 0 }),
      [`GET /api/v1/mentor/alerts/${ALERT}`]: () => json({ ...alert, message: heldMessage }),
      'GET /api/v1/mentor/alerts/00000000-0000-4000-8000-0000000000ff': () => problem(404, 'No such alert.'),
    })
    const fake2 = fakeSource()
    let connected = false
    const connect = async () => {
      connected = true
      return fake2.source
    }
    const { unmount } = renderAt('/', <Host connect={connect} />)
    expect(await screen.findByText('1', { exact: false, selector: 'span' })).toBeInTheDocument()
    await waitFor(() => expect(connected).toBe(true))
    await act(async () => {})

    open = 2
    fake2.fire({ alert_id: ALERT, conversation_id: CONV, learner_id: LEARNER, direction: 'input', categories: ['self_harm'] })
    expect(await screen.findByText('A message from Lee Learner was held (Self-harm). See Alerts.')).toBeInTheDocument()
    await waitFor(() => expect(screen.getByText('Alerts').textContent).toBe('Alerts, 2 open'))

    // Another organisation's alert (a 404 here) gives no toast.
    const before = fake.calls('GET /api/v1/mentor/alerts/00000000-0000-4000-8000-0000000000ff').length
    fake2.fire({ alert_id: '00000000-0000-4000-8000-0000000000ff', conversation_id: CONV, learner_id: LEARNER, direction: 'output', categories: ['violence'] })
    await waitFor(() => expect(fake.calls('GET /api/v1/mentor/alerts/00000000-0000-4000-8000-0000000000ff').length).toBe(before + 1))
    await act(async () => {})
    expect(screen.queryByText(/A mentor reply to/)).not.toBeInTheDocument()
    unmount()
    expect(fake2.disconnected).toBe(true)
  })
})
