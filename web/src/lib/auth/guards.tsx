/** Route guards: signed-in users only, guests only, and roles in the active organisation. */
import type { ReactNode } from 'react'
import { Link, Navigate, Outlet, useLocation, useSearchParams } from 'react-router'
import { ErrorState } from '@/components/ErrorState'
import { PageSpinner } from '@/components/Spinner'
import { errorMessage } from '@/api/problem'
import { useAuth } from './context'
import type { Role } from './me'

export function RequireAuth({ children }: { children?: ReactNode }) {
  const { status, signedOutByUser } = useAuth()
  const location = useLocation()
  if (status === 'loading') return <PageSpinner label="Loading your session" />
  if (status === 'signed-out') {
    // After a deliberate sign-out the next person at this computer starts afresh, not on the
    // previous user's page; after an expired session, come back to where you were.
    const next = location.pathname + location.search
    const to = signedOutByUser || next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`
    return <Navigate to={to} replace />
  }
  return children ?? <Outlet />
}

/** Only a safe, same-site path may be a redirect target after sign-in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/'
}

export function GuestOnly({ children }: { children?: ReactNode }) {
  const { status } = useAuth()
  const [params] = useSearchParams()
  if (status === 'loading') return <PageSpinner label="Loading" />
  if (status === 'signed-in') return <Navigate to={safeNext(params.get('next'))} replace />
  return children ?? <Outlet />
}

export function Forbidden() {
  return (
    <ErrorState
      page
      title="You don't have access to this page"
      message="It is for other roles in this organisation. Ask an organisation admin if you think you need it."
      action={
        <Link className="font-medium text-brand-700 underline dark:text-brand-300" to="/">
          Back to home
        </Link>
      }
    />
  )
}

export function RequireRole({ roles, children }: { roles: readonly Role[]; children?: ReactNode }) {
  const { me, meError, role } = useAuth()
  if (meError && !me) return <ErrorState title="Your account could not be loaded" message={errorMessage(meError)} />
  if (!me) return <PageSpinner label="Loading your account" />
  if (!role || !roles.includes(role)) return <Forbidden />
  return children ?? <Outlet />
}
