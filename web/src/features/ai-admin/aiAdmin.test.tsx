import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, noContent, problem, tokenPair } from '@/test/fakeApi'
import { renderRoutes } from '@/test/render'
import AIAdminPage from './AIAdminPage'

afterEach(() => clearSession())

const admin = {
  'POST /api/v1/auth/refresh': () => json(tokenPair()),
  'GET /api/v1/me': () => json(meBody('org_admin')),
}
const deployments = [
  { name: 'gpt', provider: 'openai', model: 'gpt-4.1-mini', external: true, key_source: 'none', usable: false },
  { name: 'offline', provider: 'offline', model: 'offline', external: false, key_source: 'not_needed', usable: true },
]
const settings = {
  allow_external: true,
  monthly_budget_usd: 50,
  learner_daily_budget_usd: null,
  effective_monthly_budget_usd: 50,
  effective_learner_daily_budget_usd: 0.25,
}

function open(section: string) {
  return renderRoutes([{ path: '/admin/ai/:section?', element: <AIAdminPage /> }], `/admin/ai/${section}`)
}

describe('AI settings', () => {
  it('adds, replaces and deletes a provider key, showing only its last 4 characters', async () => {
    const user = userEvent.setup()
    let keys: unknown[] = []
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/ai/providers': () => json(deployments),
      'GET /api/v1/ai/keys': () => json(keys),
      'PUT /api/v1/ai/keys/openai': (seen) => {
        const key = String((seen.body as { api_key: string }).api_key)
        keys = [{ provider: 'openai', last4: key.slice(-4), created_at: '2026-11-25T10:00:00Z', updated_at: '2026-11-25T10:00:00Z' }]
        return json(keys[0])
      },
      'DELETE /api/v1/ai/keys/openai': () => {
        keys = []
        return noContent()
      },
    })
    open('providers')
    const table = await screen.findByRole('table', { name: 'Deployments' })
    expect(within(table).getByText('No: needs a key')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Add a key' }))
    await user.type(screen.getByLabelText('API key'), 'short')
    await user.click(screen.getByRole('button', { name: 'Save key' }))
    expect(screen.getByText('Paste the whole key (at least 8 characters).')).toBeInTheDocument()
    await user.clear(screen.getByLabelText('API key'))
    await user.type(screen.getByLabelText('API key'), 'sk-test-abcdef-1234')
    await user.click(screen.getByRole('button', { name: 'Save key' }))
    expect(await screen.findByText('••••1234')).toBeInTheDocument()
    expect(screen.queryByText(/sk-test/)).toBeNull()
    expect(fake.calls('PUT /api/v1/ai/keys/openai')[0]!.body).toEqual({ api_key: 'sk-test-abcdef-1234' })
    await user.click(screen.getByRole('button', { name: 'Replace the OpenAI key' }))
    await user.type(screen.getByLabelText('API key'), 'sk-rotated-key-9999')
    await user.click(screen.getByRole('button', { name: 'Replace key' }))
    expect(await screen.findByText('••••9999')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Delete the OpenAI key' }))
    await user.click(screen.getByRole('button', { name: 'Delete key' }))
    await waitFor(() => expect(screen.queryByText('••••9999')).toBeNull())
    expect(fake.calls('DELETE /api/v1/ai/keys/openai')).toHaveLength(1)
  })

  it('saves budgets (an empty field goes back to the server default) and the data policy', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/ai/settings': () => json(settings),
      'PATCH /api/v1/ai/settings': (seen) => json({ ...settings, ...(seen.body as object) }),
    })
    open('budgets')
    const monthly = await screen.findByLabelText('Organisation, per month (USD)')
    expect(monthly).toHaveValue('50')
    expect(screen.getByText('In force: $0.25')).toBeInTheDocument()
    await user.clear(monthly)
    await user.type(monthly, 'lots')
    await user.click(screen.getByRole('button', { name: 'Save budgets' }))
    expect(screen.getByText('Enter an amount in US dollars, like 50 or 12.5.')).toBeInTheDocument()
    await user.clear(monthly)
    await user.type(monthly, '80')
    await user.type(screen.getByLabelText('Each learner, per day (USD)'), '0.5')
    await user.click(screen.getByRole('button', { name: 'Save budgets' }))
    await waitFor(() => expect(fake.calls('PATCH /api/v1/ai/settings')).toHaveLength(1))
    expect(fake.calls('PATCH /api/v1/ai/settings')[0]!.body).toEqual({ monthly_budget_usd: 80, learner_daily_budget_usd: 0.5 })
    await user.clear(screen.getByLabelText('Each learner, per day (USD)'))
    await user.click(screen.getByRole('button', { name: 'Save budgets' }))
    await waitFor(() => expect(fake.calls('PATCH /api/v1/ai/settings')).toHaveLength(2))
    expect(fake.calls('PATCH /api/v1/ai/settings')[1]!.body).toEqual({ monthly_budget_usd: 80, clear_learner_daily_budget: true })
    await user.click(screen.getByRole('checkbox', { name: /Allow outside AI providers/ }))
    await waitFor(() => expect(fake.calls('PATCH /api/v1/ai/settings')).toHaveLength(3))
    expect(fake.calls('PATCH /api/v1/ai/settings')[2]!.body).toEqual({ allow_external: false })
  })

  it('orders the deployments of an alias, and shows a refused choice', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/ai/providers': () => json(deployments),
      'GET /api/v1/ai/aliases': () => json([{ alias: 'mentor-default', strategy: 'priority', deployments: ['gpt', 'offline'], customised: false }]),
      'PUT /api/v1/ai/aliases/mentor-default': () => problem(422, 'Unknown deployments: gpt.'),
    })
    open('aliases')
    await user.click(await screen.findByRole('button', { name: 'Move offline up' }))
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Unknown deployments: gpt.')
    expect(fake.calls('PUT /api/v1/ai/aliases/mentor-default')[0]!.body).toEqual({ deployments: ['offline', 'gpt'] })
  })

  it('tries an alias: the answer streams in, then which deployment answered and what it cost', async () => {
    const user = userEvent.setup()
    const body = [
      'event: delta\ndata: {"text":"Hello from "}\n\n',
      'event: delta\ndata: {"text":"the offline mentor"}\n\n',
      'event: done\ndata: {"deployment":"offline","finish_reason":"stop","input_tokens":12,"output_tokens":5,"estimated":true,"cost_usd":0}\n\n',
    ].join('')
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/ai/providers': () => json(deployments),
      'GET /api/v1/ai/aliases': () => json([{ alias: 'mentor-default', strategy: 'priority', deployments: ['offline'], customised: true }]),
      'POST /api/v1/ai/try': () => new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }),
    })
    open('aliases')
    await user.type(await screen.findByLabelText('Try mentor-default'), 'Hi')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(await screen.findByText('Hello from the offline mentor')).toBeInTheDocument()
    expect(screen.getByText('answered by offline · 12 tokens in, 5 out (estimated) · cost $0.00')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/ai/try')[0]!.body).toEqual({ alias: 'mentor-default', prompt: 'Hi', max_tokens: 64 })
    expect(fake.calls('POST /api/v1/ai/try')[0]!.headers.get('Authorization')).toBe('Bearer access-1')
  })

  it('shows the month against the budget and totals by user', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/ai/usage/summary': () =>
        json({ period: '2026-11', resets_at: '2026-12-01T00:00:00Z', spent_usd: 45, reserved_usd: 1, budget_usd: 50, groups: [] }),
      'GET /api/v1/ai/usage/breakdown': (seen) =>
        json({
          by: new URLSearchParams(seen.path.split('?')[1]).get('by'),
          since: '2026-10-27T00:00:00Z',
          total_calls: 3,
          total_cost_usd: 0.0042,
          groups: [{ key: 'u1', label: 'Lena Fischer', calls: 3, cost_usd: 0.0042, input_tokens: 900, output_tokens: 300 }],
        }),
      'GET /api/v1/ai/usage': () => json({ items: [], total: 0, limit: 20, offset: 0 }),
    })
    open('usage')
    expect(await screen.findByRole('meter', { name: 'Share of the monthly budget used' })).toHaveAttribute('aria-valuenow', '92')
    expect(screen.getByText('$45.00')).toBeInTheDocument()
    await user.selectOptions(screen.getByLabelText('By'), 'user')
    expect(await screen.findByRole('cell', { name: 'Lena Fischer' })).toBeInTheDocument()
    expect(screen.getByRole('cell', { name: '$0.0042' })).toBeInTheDocument()
    expect(fake.seen.some((s) => s.path === '/api/v1/ai/usage/breakdown?by=user&days=30')).toBe(true)
    expect(screen.getByText('No AI calls yet.')).toBeInTheDocument()
  })
})
