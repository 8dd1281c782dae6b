import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { clearSession } from '@/lib/auth/session'
import { fakeApi, json, meBody, noContent, problem, tokenPair } from '@/test/fakeApi'
import { renderAt } from '@/test/render'
import InvitationsPage from './InvitationsPage'
import MembersPage from './MembersPage'

afterEach(() => clearSession())

const admin = {
  'POST /api/v1/auth/refresh': () => json(tokenPair()),
  'GET /api/v1/me': () => json(meBody('org_admin')),
}

const invitation = {
  id: 'inv-1',
  email: null,
  role: 'learner',
  created_at: '2026-11-25T10:00:00Z',
  expires_at: '2026-12-02T10:00:00Z',
  accepted_count: 0,
}

describe('invitations', () => {
  it('creates a link invitation and copies the link', async () => {
    const user = userEvent.setup()
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/org/invitations': () => json([]),
      'POST /api/v1/org/invitations': () =>
        json({ ...invitation, token: 'tok', url: 'http://localhost:3000/invite/tok' }, 201),
    })
    renderAt('/admin/invitations', <InvitationsPage />)
    expect(await screen.findByText('No pending invitations')).toBeInTheDocument()
    await user.selectOptions(screen.getByLabelText('Role'), 'mentor')
    await user.click(screen.getByRole('button', { name: 'Create invitation' }))
    const link = await screen.findByLabelText('Invitation link')
    expect(link).toHaveValue('http://localhost:3000/invite/tok')
    expect(fake.calls('POST /api/v1/org/invitations')[0]?.body).toEqual({ role: 'mentor', expires_in_days: 7 })
    await user.click(screen.getByRole('button', { name: 'Copy link' }))
    expect(await navigator.clipboard.readText()).toBe('http://localhost:3000/invite/tok')
    expect(await screen.findByText('Invitation link copied.')).toBeInTheDocument()
  })

  it('shows the server’s e-mail error next to the e-mail field', async () => {
    fakeApi({
      ...admin,
      'GET /api/v1/org/invitations': () => json([]),
      'POST /api/v1/org/invitations': () =>
        problem(422, 'Invalid input', [{ loc: 'body.email', message: 'value is not a valid email address' }]),
    })
    renderAt('/admin/invitations', <InvitationsPage />)
    await userEvent.type(await screen.findByLabelText('E-mail (optional)'), 'someone@example.invalid')
    await userEvent.click(screen.getByRole('button', { name: 'Create invitation' }))
    expect(await screen.findByText('Value is not a valid email address.')).toBeInTheDocument()
    expect(screen.getByLabelText('E-mail (optional)')).toHaveAttribute('aria-invalid', 'true')
  })

  it('revokes a pending invitation', async () => {
    let revoked = false
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/org/invitations': () => json(revoked ? [] : [invitation]),
      'DELETE /api/v1/org/invitations/inv-1': () => {
        revoked = true
        return noContent()
      },
    })
    renderAt('/admin/invitations', <InvitationsPage />)
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke invitation for link' }))
    expect(await screen.findByText('No pending invitations')).toBeInTheDocument()
    expect(fake.calls('DELETE /api/v1/org/invitations/inv-1')).toHaveLength(1)
  })
})

describe('members', () => {
  const lee = { user_id: 'u-lee', email: 'lee@example.org', display_name: 'Lee Learner', role: 'learner', joined_at: '2026-11-25T10:00:00Z' }

  it('searches, changes a role and reports a refusal in a toast', async () => {
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/org/members': () => json({ items: [lee], total: 1, limit: 20, offset: 0 }),
      'PATCH /api/v1/org/members/u-lee': (_seen, count) =>
        count === 1 ? json({ ...lee, role: 'mentor' }) : problem(409, 'An organisation needs at least one admin.'),
    })
    renderAt('/admin/members', <MembersPage />)
    const table = await screen.findByRole('table', { name: 'Members' })
    await userEvent.type(screen.getByLabelText('Search by name or e-mail'), 'lee')
    expect(fake.calls('GET /api/v1/org/members').at(-1)?.path).toContain('q=lee')
    await userEvent.selectOptions(within(table).getByLabelText('Role of Lee Learner'), 'mentor')
    expect(await screen.findByText('Lee Learner is now mentor.')).toBeInTheDocument()
    expect(fake.calls('PATCH /api/v1/org/members/u-lee')[0]?.body).toEqual({ role: 'mentor' })
    await userEvent.selectOptions(within(table).getByLabelText('Role of Lee Learner'), 'org_admin')
    expect(await screen.findByText('An organisation needs at least one admin.')).toBeInTheDocument()
  })

  it('asks before removing a member', async () => {
    const fake = fakeApi({
      ...admin,
      'GET /api/v1/org/members': () => json({ items: [lee], total: 1, limit: 20, offset: 0 }),
      'DELETE /api/v1/org/members/u-lee': () => noContent(),
    })
    renderAt('/admin/members', <MembersPage />)
    await userEvent.click(await screen.findByRole('button', { name: 'Remove Lee Learner' }))
    expect(screen.getByRole('heading', { name: 'Remove this member?' })).toBeInTheDocument()
    expect(fake.calls('DELETE /api/v1/org/members/u-lee')).toHaveLength(0)
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }))
    expect(await screen.findByText('Lee Learner was removed.')).toBeInTheDocument()
    expect(fake.calls('DELETE /api/v1/org/members/u-lee')).toHaveLength(1)
  })
})
