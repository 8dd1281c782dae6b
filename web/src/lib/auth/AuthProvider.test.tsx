import { useQuery } from '@tanstack/react-query'
import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/client'
import { unwrap } from '@/api/problem'
import { fakeApi, json, meBody, noContent, problem, tokenPair } from '@/test/fakeApi'
import { renderAt } from '@/test/render'
import { useAuth } from './context'
import { clearSession, getAccessToken, refreshAccessToken, setTokens } from './session'

function Probe() {
  const { status, me, signOut } = useAuth()
  return (
    <div>
      <p>status: {status}</p>
      <p>name: {me?.display_name ?? '-'}</p>
      <button onClick={() => void signOut()}>sign out</button>
    </div>
  )
}

function Sessions() {
  const { status } = useAuth()
  const sessions = useQuery({
    queryKey: ['me', 'sessions'],
    queryFn: async () => unwrap(await api.GET('/api/v1/auth/sessions')),
    enabled: status === 'signed-in',
  })
  return <p>sessions: {sessions.data ? sessions.data.length : sessions.isError ? 'error' : '…'}</p>
}

beforeEach(() => clearSession())
afterEach(() => {
  clearSession()
  vi.useRealTimers()
})

describe('AuthProvider', () => {
  it('renews silently from the refresh cookie on start, as a web client', async () => {
    const fake = fakeApi({
      'POST /api/v1/auth/refresh': () => json(tokenPair('fresh')),
      'GET /api/v1/me': () => json(meBody()),
    })
    renderAt('/', <Probe />)
    expect(await screen.findByText('name: Lee Learner')).toBeInTheDocument()
    expect(screen.getByText('status: signed-in')).toBeInTheDocument()
    const [refresh] = fake.calls('POST /api/v1/auth/refresh')
    expect(refresh?.headers.get('X-Client')).toBe('web')
    expect(refresh?.credentials).toBe('include')
    expect(fake.calls('GET /api/v1/me')[0]?.headers.get('Authorization')).toBe('Bearer fresh')
    expect(getAccessToken()).toBe('fresh')
  })

  it('is signed out when there is no valid refresh cookie', async () => {
    const fake = fakeApi({ 'POST /api/v1/auth/refresh': () => problem(401, 'Sign in to continue.') })
    renderAt('/', <Probe />)
    expect(await screen.findByText('status: signed-out')).toBeInTheDocument()
    expect(fake.calls('GET /api/v1/me')).toHaveLength(0)
    expect(getAccessToken()).toBeNull()
  })

  it('renews the token once on a 401 and retries the request with the new token', async () => {
    const fake = fakeApi({
      'POST /api/v1/auth/refresh': (_seen, count) => json(tokenPair(`access-${count}`)),
      'GET /api/v1/me': () => json(meBody()),
      'GET /api/v1/auth/sessions': (seen) =>
        seen.headers.get('Authorization') === 'Bearer access-2' ? json([]) : problem(401, 'expired'),
    })
    renderAt(
      '/',
      <>
        <Probe />
        <Sessions />
      </>,
    )
    expect(await screen.findByText('sessions: 0')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/auth/refresh')).toHaveLength(2)
    expect(fake.calls('GET /api/v1/auth/sessions')).toHaveLength(2)
  })

  it('does not loop when the renewed token is refused too', async () => {
    const fake = fakeApi({
      'POST /api/v1/auth/refresh': (_seen, count) => (count === 1 ? json(tokenPair('a')) : problem(401, 'revoked')),
      'GET /api/v1/me': () => json(meBody()),
      'GET /api/v1/auth/sessions': () => problem(401, 'expired'),
    })
    renderAt(
      '/',
      <>
        <Probe />
        <Sessions />
      </>,
    )
    expect(await screen.findByText('status: signed-out')).toBeInTheDocument()
    expect(fake.calls('GET /api/v1/auth/sessions').length).toBeLessThanOrEqual(2)
    expect(getAccessToken()).toBeNull()
  })

  it('signs out: tells the server, forgets the token, drops cached data and private caches', async () => {
    const deleted: string[] = []
    vi.stubGlobal('caches', {
      keys: async () => ['workbox-precache-v2-http://localhost/', 'api-responses', 'images'],
      delete: async (name: string) => {
        deleted.push(name)
        return true
      },
    })
    const fake = fakeApi({
      'POST /api/v1/auth/refresh': () => json(tokenPair('t1')),
      'GET /api/v1/me': () => json(meBody()),
      'POST /api/v1/auth/logout': () => noContent(),
    })
    const { queryClient } = renderAt('/', <Probe />)
    await screen.findByText('name: Lee Learner')
    expect(queryClient.getQueryData(['me'])).toBeDefined()
    await userEvent.click(screen.getByRole('button', { name: 'sign out' }))
    expect(await screen.findByText('status: signed-out')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/auth/logout')[0]?.headers.get('Authorization')).toBe('Bearer t1')
    expect(getAccessToken()).toBeNull()
    expect(queryClient.getQueryData(['me'])).toBeUndefined()
    expect(queryClient.getQueryCache().getAll().filter((q) => q.state.data !== undefined)).toHaveLength(0)
    expect(deleted.sort()).toEqual(['api-responses', 'images'])
  })
})

describe('switching organisation', () => {
  function Switcher() {
    const { me, acceptTokens } = useAuth()
    return (
      <div>
        <p>org: {me?.active_organisation?.name ?? 'none'}</p>
        <button onClick={() => void acceptTokens(tokenPair('org-token', 'org-2'), { resetCache: true })}>switch</button>
      </div>
    )
  }

  it('shows the new organisation at once and drops the data of the previous one', async () => {
    const second = { ...meBody('org_admin'), active_organisation: { id: 'org-2', name: 'Hill College', slug: 'hill', role: 'org_admin' } }
    const fake = fakeApi({
      'POST /api/v1/auth/refresh': () => json(tokenPair('t1')),
      'GET /api/v1/me': (seen) => json(seen.headers.get('Authorization') === 'Bearer org-token' ? second : meBody()),
    })
    const { queryClient } = renderAt('/', <Switcher />)
    expect(await screen.findByText('org: Riverside School')).toBeInTheDocument()
    queryClient.setQueryData(['org', 'members', 'page-1'], { items: ['private'] })
    await userEvent.click(screen.getByRole('button', { name: 'switch' }))
    expect(await screen.findByText('org: Hill College')).toBeInTheDocument()
    expect(queryClient.getQueryData(['org', 'members', 'page-1'])).toBeUndefined()
    expect(fake.calls('GET /api/v1/me').at(-1)?.headers.get('Authorization')).toBe('Bearer org-token')
  })
})

describe('session renewal', () => {
  it('renews a minute before the access token expires', async () => {
    vi.useFakeTimers()
    const fake = fakeApi({ 'POST /api/v1/auth/refresh': () => json(tokenPair('renewed')) })
    setTokens(tokenPair('first'))
    await vi.advanceTimersByTimeAsync(839_000)
    expect(fake.calls('POST /api/v1/auth/refresh')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(fake.calls('POST /api/v1/auth/refresh')).toHaveLength(1)
    expect(getAccessToken()).toBe('renewed')
  })

  it('shares one refresh between concurrent callers (a refresh token is single-use)', async () => {
    const fake = fakeApi({ 'POST /api/v1/auth/refresh': () => json(tokenPair('once')) })
    const tokens = await Promise.all([refreshAccessToken(), refreshAccessToken(), refreshAccessToken()])
    expect(tokens).toEqual(['once', 'once', 'once'])
    expect(fake.calls('POST /api/v1/auth/refresh')).toHaveLength(1)
  })

  it('keeps the token when offline instead of signing out', async () => {
    setTokens(tokenPair('kept'))
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    expect(await refreshAccessToken()).toBe('kept')
    expect(getAccessToken()).toBe('kept')
  })
})
