import { act, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderRoutes } from '@/test/render'
import { ADMIN_ROLES, MENTOR_ROLES, useAuth } from './context'
import { GuestOnly, RequireAuth, RequireRole, safeNext } from './guards'
import { clearSession, setTokens } from './session'
import { noContent } from '@/test/fakeApi'

afterEach(() => clearSession())

function signedInAs(role: 'learner' | 'mentor' | 'org_admin' | null) {
  return fakeApi({
    'POST /api/v1/auth/refresh': () => json(tokenPair()),
    'GET /api/v1/me': () => json(meBody(role)),
  })
}

function signedOut() {
  return fakeApi({ 'POST /api/v1/auth/refresh': () => problem(401, 'Sign in to continue.') })
}

function SignOutButton() {
  const { signOut } = useAuth()
  return <button onClick={() => void signOut()}>sign out</button>
}

const routes = [
  { path: '/login', element: <p>login page</p> },
  {
    element: <RequireAuth />,
    children: [
      { path: '/', element: <p>home page</p> },
      { path: '/settings', element: <><p>settings page</p><SignOutButton /></> },
      { path: '/members', element: <RequireRole roles={MENTOR_ROLES}><p>members page</p></RequireRole> },
      { path: '/invitations', element: <RequireRole roles={ADMIN_ROLES}><p>invitations page</p></RequireRole> },
    ],
  },
  { element: <GuestOnly />, children: [{ path: '/signup', element: <p>signup page</p> }] },
]

describe('RequireAuth', () => {
  it('sends a visitor to sign in, remembering where they were going', async () => {
    signedOut()
    const { router } = renderRoutes(routes, '/settings?tab=2')
    expect(await screen.findByText('login page')).toBeInTheDocument()
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/settings?tab=2')}`)
  })

  it('shows the page to a signed-in user', async () => {
    signedInAs('learner')
    renderRoutes(routes, '/settings')
    expect(await screen.findByText('settings page')).toBeInTheDocument()
  })
})

describe('signing out', () => {
  it('sends the user to a plain sign-in page, not back to the page they left', async () => {
    fakeApi({
      'POST /api/v1/auth/refresh': () => json(tokenPair()),
      'GET /api/v1/me': () => json(meBody('learner')),
      'POST /api/v1/auth/logout': () => noContent(),
    })
    const { router } = renderRoutes(routes, '/settings')
    await userEvent.click(await screen.findByRole('button', { name: 'sign out' }))
    expect(await screen.findByText('login page')).toBeInTheDocument()
    expect(router.state.location.search).toBe('')
  })

  it('comes back to the page after a session that ended on its own', async () => {
    signedInAs('learner')
    const { router } = renderRoutes(routes, '/settings')
    await screen.findByText('settings page')
    act(() => setTokens(null))
    expect(await screen.findByText('login page')).toBeInTheDocument()
    expect(router.state.location.search).toBe('?next=%2Fsettings')
  })
})

describe('RequireRole', () => {
  it('denies a learner the admin pages', async () => {
    signedInAs('learner')
    renderRoutes(routes, '/members')
    expect(await screen.findByRole('heading', { name: "You don't have access to this page" })).toBeInTheDocument()
    expect(screen.queryByText('members page')).not.toBeInTheDocument()
  })

  it('lets a mentor see members but not invitations', async () => {
    signedInAs('mentor')
    const { unmount } = renderRoutes(routes, '/members')
    expect(await screen.findByText('members page')).toBeInTheDocument()
    unmount()
    clearSession()
    signedInAs('mentor')
    renderRoutes(routes, '/invitations')
    expect(await screen.findByRole('heading', { name: "You don't have access to this page" })).toBeInTheDocument()
  })

  it('lets an organisation admin see every admin page', async () => {
    signedInAs('org_admin')
    renderRoutes(routes, '/invitations')
    expect(await screen.findByText('invitations page')).toBeInTheDocument()
  })

  it('denies a user without an organisation', async () => {
    signedInAs(null)
    renderRoutes(routes, '/members')
    expect(await screen.findByRole('heading', { name: "You don't have access to this page" })).toBeInTheDocument()
  })
})

describe('GuestOnly', () => {
  it('sends a signed-in user home instead of to the sign-up form', async () => {
    signedInAs('learner')
    renderRoutes(routes, '/signup')
    expect(await screen.findByText('home page')).toBeInTheDocument()
  })

  it('only follows same-site paths after sign-in', () => {
    expect(safeNext('/org/members')).toBe('/org/members')
    expect(safeNext('//evil.example/x')).toBe('/')
    expect(safeNext('https://evil.example')).toBe('/')
    expect(safeNext(null)).toBe('/')
  })
})
