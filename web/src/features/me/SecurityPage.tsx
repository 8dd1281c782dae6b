/** Password and sessions: change the password, see where you are signed in, revoke sessions. */
import { type FormEvent, useState } from 'react'
import { Button } from '@/components/Button'
import { Field, FormError } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { ErrorState } from '@/components/ErrorState'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { checkNewPassword, checkRequired, compact, formErrors, type FormErrors, MIN_PASSWORD, NO_ERRORS } from '@/lib/forms'
import { type SessionRead, useChangePassword, useRevokeSession, useSessions } from './api'

function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : '—'
}

function device(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device'
  const browser = /Firefox\//.test(userAgent)
    ? 'Firefox'
    : /Edg\//.test(userAgent)
      ? 'Edge'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser'
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : ''
  return os ? `${browser} on ${os}` : browser
}

function PasswordCard() {
  const change = useChangePassword()
  const toast = useToast()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const current = String(data.get('current_password') ?? '')
    const next = String(data.get('new_password') ?? '')
    const fields = compact({
      current_password: checkRequired(current, 'Enter your current password.'),
      new_password: checkNewPassword(next),
    })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      await change.mutateAsync({ current_password: current, new_password: next })
      form.reset()
      toast.success('Your password is changed.')
    } catch (error) {
      setErrors(formErrors(error, ['current_password', 'new_password']))
    }
  }

  return (
    <Card title="Password">
      <form noValidate onSubmit={onSubmit} className="grid gap-4 sm:max-w-lg">
        <FormError message={errors.form} />
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password" error={errors.fields.current_password} />
        <Field
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD} characters.`}
          error={errors.fields.new_password}
        />
        <div>
          <Button type="submit" pending={change.isPending}>
            Change password
          </Button>
        </div>
      </form>
    </Card>
  )
}

function SessionRow({ session }: { session: SessionRead }) {
  const revoke = useRevokeSession()
  const toast = useToast()
  return (
    <li className="flex flex-wrap items-center justify-between gap-3 py-3">
      <div className="text-sm">
        <p className="font-medium">
          {device(session.user_agent)}
          {session.current && (
            <span className="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100">
              This device
            </span>
          )}
        </p>
        <p className="text-slate-700 dark:text-slate-300">
          {session.ip ?? 'Unknown address'} · signed in {when(session.created_at)} · last active {when(session.last_used_at)}
        </p>
      </div>
      {!session.current && (
        <Button
          variant="secondary"
          pending={revoke.isPending}
          aria-label={`Sign out ${device(session.user_agent)} (${session.ip ?? 'unknown address'})`}
          onClick={() =>
            revoke.mutate(session.id, {
              onSuccess: () => toast.success('That session is signed out.'),
              onError: (error) => toast.error(errorMessage(error)),
            })
          }
        >
          Sign out
        </Button>
      )}
    </li>
  )
}

function SessionsCard() {
  const sessions = useSessions()
  return (
    <Card title="Where you are signed in" description="Sign out any device you do not recognise or no longer use.">
      {sessions.isPending && <SkeletonRows rows={2} label="Loading sessions" />}
      {sessions.isError && <ErrorState message={errorMessage(sessions.error)} onRetry={() => void sessions.refetch()} />}
      {sessions.data && (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800">
          {sessions.data.map((session) => (
            <SessionRow key={session.id} session={session} />
          ))}
        </ul>
      )}
    </Card>
  )
}

export default function SecurityPage() {
  return (
    <Page title="Password and sessions">
      <PasswordCard />
      <SessionsCard />
    </Page>
  )
}
