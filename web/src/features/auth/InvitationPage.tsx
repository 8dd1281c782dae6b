/** Accept an invitation (`/invite/:token`): sign up with it, or sign in and accept. */
import { useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { FormError } from '@/components/Field'
import { SkeletonRows } from '@/components/Spinner'
import { ApiError, errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { useAcceptInvitation, useInvitation, useSwitchAfterAccept } from './api'
import { AuthLayout, linkClass } from './AuthLayout'
import { SignupForm } from './SignupForm'

const ROLE_NAMES: Record<string, string> = { learner: 'learner', mentor: 'mentor', org_admin: 'organisation admin' }

export default function InvitationPage() {
  const { token = '' } = useParams()
  const navigate = useNavigate()
  const { status, me, acceptTokens } = useAuth()
  const invitation = useInvitation(token)
  const accept = useAcceptInvitation()
  const switchOrg = useSwitchAfterAccept()
  const [error, setError] = useState<string | null>(null)
  const here = `/invite/${encodeURIComponent(token)}`

  async function onAccept() {
    setError(null)
    try {
      const membership = await accept.mutateAsync(token)
      const pair = await switchOrg.mutateAsync(membership.organisation_id)
      await acceptTokens(pair, { resetCache: true })
      navigate('/', { replace: true })
    } catch (caught) {
      setError(errorMessage(caught))
    }
  }

  if (invitation.isPending) {
    return (
      <AuthLayout title="Invitation">
        <SkeletonRows rows={3} label="Loading the invitation" />
      </AuthLayout>
    )
  }
  const data = invitation.data
  if (invitation.isError || !data || !data.valid) {
    const notFound = invitation.error instanceof ApiError && invitation.error.status === 404
    return (
      <AuthLayout title="This invitation cannot be used">
        <p className="text-sm">
          {invitation.isError && !notFound
            ? errorMessage(invitation.error)
            : 'It has expired, was revoked, or was already used. Ask the person who invited you for a new link.'}
        </p>
        <ButtonLink className="mt-4 w-full" variant="secondary" to="/">
          Go to StarGuide
        </ButtonLink>
      </AuthLayout>
    )
  }
  const role = ROLE_NAMES[data.role] ?? data.role
  const subtitle = (
    <>
      You are invited to join <strong>{data.organisation_name}</strong> as a {role}.
    </>
  )
  if (status === 'signed-in') {
    return (
      <AuthLayout title="Join the organisation" subtitle={subtitle}>
        <div className="space-y-4">
          <FormError message={error} />
          <p className="text-sm">
            You are signed in as <strong>{me?.email ?? '…'}</strong>.
          </p>
          <Button className="w-full" onClick={onAccept} pending={accept.isPending || switchOrg.isPending}>
            Accept invitation
          </Button>
        </div>
      </AuthLayout>
    )
  }
  return (
    <AuthLayout
      title="Join the organisation"
      subtitle={subtitle}
      footer={
        <>
          Already have an account?{' '}
          <Link className={linkClass} to={`/login?next=${encodeURIComponent(here)}`}>
            Sign in to accept
          </Link>
        </>
      }
    >
      <SignupForm invitationToken={token} email={data.email} onDone={() => navigate('/', { replace: true })} />
    </AuthLayout>
  )
}
