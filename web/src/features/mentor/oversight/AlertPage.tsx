/** One safety alert: the held message and why, a link to the whole conversation, and resolving it with a note. */
import { type FormEvent, useId, useState } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError, errorMessage } from '@/api/problem'
import { Button, ButtonLink } from '@/components/Button'
import { FormError } from '@/components/Field'
import { ErrorState } from '@/components/ErrorState'
import { Card, Page } from '@/components/Page'
import { PageSpinner } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { useAuth } from '@/lib/auth/context'
import { type Alert, categoriesText, directionLabel, useAlert, useResolveAlert } from './api'
import { MessageView } from './MessageView'
import '../mentor.css'

const NOTE_MAX = 2000

function ResolveForm({ alert }: { alert: Alert }) {
  const resolve = useResolveAlert(alert.id)
  const toast = useToast()
  const [note, setNote] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const id = useId()

  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    setProblem(null)
    // The promise, not mutate's callbacks: the form is gone (the alert is resolved) before they would run.
    try {
      await resolve.mutateAsync(note)
      toast.success('Alert resolved.')
    } catch (error) {
      // Someone else resolved it meanwhile: the page reloads it and shows their note.
      if (error instanceof ApiError && error.status === 409) {
        toast.show('Another mentor or admin has already resolved this alert.')
      } else {
        setProblem(errorMessage(error))
      }
    }
  }

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate className="space-y-3">
      <FormError message={problem} />
      <div className="space-y-1">
        <label htmlFor={id} className="block text-sm font-medium text-slate-800 dark:text-slate-200">
          What was done (optional)
        </label>
        <textarea
          id={id}
          value={note}
          maxLength={NOTE_MAX}
          rows={3}
          onChange={(e) => setNote(e.target.value)}
          aria-describedby={`${id}-hint`}
          className="block w-full rounded-lg border border-slate-400 bg-white px-3 py-2 text-base text-slate-900 dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100 sm:text-sm"
        />
        <p id={`${id}-hint`} className="text-sm text-slate-600 dark:text-slate-400">
          Kept with the alert for other mentors and admins, e.g. “Talked with Lee and their parents”.
        </p>
      </div>
      <Button type="submit" pending={resolve.isPending}>
        Mark as resolved
      </Button>
    </form>
  )
}

export default function AlertPage() {
  const { alertId = '' } = useParams()
  const { me } = useAuth()
  const alert = useAlert(alertId)
  if (alert.isPending) return <PageSpinner label="Loading the alert" />
  if (alert.isError)
    return (
      <ErrorState
        page
        title="This alert could not be loaded"
        message={errorMessage(alert.error)}
        onRetry={() => void alert.refetch()}
        action={<Link to="/alerts">All alerts</Link>}
      />
    )
  const a = alert.data
  const resolver = a.resolved_by_id === me?.id ? 'you' : 'another mentor or admin'
  return (
    <Page
      title={`Alert: ${a.learner_name || 'a learner'}`}
      description={`${directionLabel(a.direction)} was held: ${categoriesText(a.categories)}.`}
      actions={
        <div className="flex flex-wrap gap-2">
          <ButtonLink variant="secondary" to="/alerts">
            All alerts
          </ButtonLink>
          <ButtonLink to={`/learner-conversations/${a.conversation_id}#message-${a.message_id}`}>Open the conversation</ButtonLink>
        </div>
      }
    >
      <dl className="grid gap-x-4 gap-y-1 rounded-xl border border-slate-200 bg-white p-5 text-sm sm:grid-cols-[10rem_1fr] dark:border-slate-800 dark:bg-slate-900">
        <dt className="font-medium">Learner</dt>
        <dd>
          {a.learner_name || '—'}{' '}
          <Link to={`/learners/${a.learner_id}`} className="text-brand-700 underline underline-offset-2 dark:text-brand-300">
            progress
          </Link>
        </dd>
        <dt className="font-medium">When</dt>
        <dd>
          <time dateTime={a.created_at}>{new Date(a.created_at).toLocaleString()}</time>
        </dd>
        <dt className="font-medium">Categories</dt>
        <dd>{categoriesText(a.categories)}</dd>
        <dt className="font-medium">Found by</dt>
        <dd>{a.source === 'builtin' ? 'StarGuide’s safety filter' : 'The AI provider’s moderation'}</dd>
        <dt className="font-medium">Status</dt>
        <dd>{a.status === 'open' ? 'Open' : `Resolved by ${resolver}${a.resolved_at ? `, ${new Date(a.resolved_at).toLocaleString()}` : ''}`}</dd>
      </dl>

      <section aria-labelledby="held-title" className="space-y-2">
        <h2 id="held-title" className="text-lg font-semibold">
          The held message
        </h2>
        {a.message ? (
          <MessageView message={a.message} />
        ) : (
          <p className="text-sm text-slate-700 dark:text-slate-300">The message is no longer there (its conversation was deleted).</p>
        )}
      </section>

      {a.status === 'open' ? (
        <Card title="Resolve" description="Mark the alert as reviewed once you have looked after it. Resolving is recorded in the audit trail.">
          <ResolveForm alert={a} />
        </Card>
      ) : (
        <Card title="Resolved">
          <p className="text-sm">{a.resolution_note ? a.resolution_note : 'No note was left.'}</p>
        </Card>
      )}
    </Page>
  )
}
