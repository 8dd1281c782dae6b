import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, problem, tokenPair } from '@/test/fakeApi'
import { renderRoutes } from '@/test/render'
import ForgotPasswordPage from './ForgotPasswordPage'
import LoginPage from './LoginPage'
import ResetPasswordPage from './ResetPasswordPage'
import SignupPage from './SignupPage'

afterEach(() => clearSession())

const signedOut = { 'POST /api/v1/auth/refresh': () => problem(401, 'Sign in to continue.') }
const routes = [
  { path: '/login', element: <LoginPage /> },
  { path: '/signup', element: <SignupPage /> },
  { path: '/forgot-password', element: <ForgotPasswordPage /> },
  { path: '/reset-password', element: <ResetPasswordPage /> },
  { path: '/', element: <p>home page</p> },
  { path: '/admin/members', element: <p>members page</p> },
]

describe('sign in', () => {
  it('checks the fields before sending anything', async () => {
    const fake = fakeApi(signedOut)
    renderRoutes(routes, '/login')
    await userEvent.click(await screen.findByRole('button', { name: 'Sign in' }))
    expect(screen.getByText('Enter your e-mail address.')).toBeInTheDocument()
    expect(screen.getByText('Enter your password.')).toBeInTheDocument()
    expect(screen.getByLabelText('E-mail')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('E-mail')).toHaveAccessibleDescription('Enter your e-mail address.')
    expect(fake.calls('POST /api/v1/auth/login')).toHaveLength(0)
  })

  it('says plainly when the e-mail or password is wrong', async () => {
    fakeApi({ ...signedOut, 'POST /api/v1/auth/login': () => problem(401, 'Wrong e-mail or password.') })
    renderRoutes(routes, '/login')
    await userEvent.type(await screen.findByLabelText('E-mail'), 'lee@example.org')
    await userEvent.type(screen.getByLabelText('Password'), 'nope-nope-nope')
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The e-mail or password is not right.')
  })

  it('signs in as a web client and goes where the user was heading', async () => {
    const fake = fakeApi({
      ...signedOut,
      'POST /api/v1/auth/login': () => json(tokenPair('signed-in')),
      'GET /api/v1/me': () => json(meBody('org_admin')),
    })
    const { router } = renderRoutes(routes, '/login?next=%2Fadmin%2Fmembers')
    await userEvent.type(await screen.findByLabelText('E-mail'), 'lee@example.org')
    await userEvent.type(screen.getByLabelText('Password'), 'a-good-password')
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByText('members page')).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/admin/members')
    const [login] = fake.calls('POST /api/v1/auth/login')
    expect(login?.headers.get('X-Client')).toBe('web')
    expect(login?.body).toEqual({ email: 'lee@example.org', password: 'a-good-password' })
  })

  it('shows a rate limit as a readable message, never as JSON', async () => {
    fakeApi({ ...signedOut, 'POST /api/v1/auth/login': () => problem(429, 'Too many attempts; try again in 30 seconds.') })
    renderRoutes(routes, '/login')
    await userEvent.type(await screen.findByLabelText('E-mail'), 'lee@example.org')
    await userEvent.type(screen.getByLabelText('Password'), 'whatever-it-is')
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Too many attempts; try again in 30 seconds.')
    expect(alert.textContent).not.toContain('{')
  })
})

describe('sign up', () => {
  it('puts the server’s field errors (errors[].loc) next to the fields', async () => {
    fakeApi({
      ...signedOut,
      'POST /api/v1/auth/signup': () =>
        problem(422, 'Invalid input: body.password: This password is too easy to guess; choose another.', [
          { loc: 'body.password', message: 'This password is too easy to guess; choose another.' },
        ]),
    })
    renderRoutes(routes, '/signup')
    await userEvent.type(await screen.findByLabelText('Your name'), 'Lee')
    await userEvent.type(screen.getByLabelText('E-mail'), 'lee@example.org')
    await userEvent.type(screen.getByLabelText('Password'), 'password123')
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }))
    const password = screen.getByLabelText('Password')
    expect(await screen.findByText('This password is too easy to guess; choose another.')).toBeInTheDocument()
    expect(password).toHaveAttribute('aria-invalid', 'true')
    expect(password).toHaveAccessibleDescription('This password is too easy to guess; choose another.')
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('shows a conflict (e-mail taken) as the form’s message', async () => {
    fakeApi({ ...signedOut, 'POST /api/v1/auth/signup': () => problem(409, 'An account with this e-mail exists. Sign in instead.') })
    renderRoutes(routes, '/signup')
    await userEvent.type(await screen.findByLabelText('Your name'), 'Lee')
    await userEvent.type(screen.getByLabelText('E-mail'), 'lee@example.org')
    await userEvent.type(screen.getByLabelText('Password'), 'a-long-enough-one')
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('An account with this e-mail exists. Sign in instead.')
  })

  it('refuses a short password before sending it', async () => {
    const fake = fakeApi(signedOut)
    renderRoutes(routes, '/signup')
    await userEvent.type(await screen.findByLabelText('Your name'), 'Lee')
    await userEvent.type(screen.getByLabelText('E-mail'), 'not-an-email')
    await userEvent.type(screen.getByLabelText('Password'), 'short')
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }))
    expect(screen.getByText('Enter an e-mail address like name@example.org.')).toBeInTheDocument()
    expect(screen.getByText('Use at least 10 characters.')).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/auth/signup')).toHaveLength(0)
  })
})

describe('password reset', () => {
  it('asks for the link and confirms without saying whether the account exists', async () => {
    const fake = fakeApi({ ...signedOut, 'POST /api/v1/auth/password/forgot': () => new Response(null, { status: 202 }) })
    renderRoutes(routes, '/forgot-password')
    await userEvent.type(await screen.findByLabelText('E-mail'), 'lee@example.org')
    await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }))
    expect(await screen.findByText(/If an account exists for/)).toBeInTheDocument()
    expect(fake.calls('POST /api/v1/auth/password/forgot')[0]?.body).toEqual({ email: 'lee@example.org' })
  })

  it('sends the token from the link with the new password, and reports an expired link', async () => {
    const fake = fakeApi({ ...signedOut, 'POST /api/v1/auth/password/reset': () => problem(400, 'This link has expired. Ask for a new one.') })
    renderRoutes(routes, '/reset-password?token=tok-123')
    await userEvent.type(await screen.findByLabelText('New password'), 'a-brand-new-secret')
    await userEvent.type(screen.getByLabelText('Repeat the new password'), 'a-brand-new-secret')
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('This link has expired. Ask for a new one.')
    expect(fake.calls('POST /api/v1/auth/password/reset')[0]?.body).toEqual({ token: 'tok-123', new_password: 'a-brand-new-secret' })
  })

  it('catches two different passwords', async () => {
    fakeApi(signedOut)
    renderRoutes(routes, '/reset-password?token=tok-123')
    await userEvent.type(await screen.findByLabelText('New password'), 'a-brand-new-secret')
    await userEvent.type(screen.getByLabelText('Repeat the new password'), 'another-secret-1')
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(screen.getByText('The two passwords are not the same.')).toBeInTheDocument()
  })
})
