/** Mentors and admins: the held messages of their learners, open ones first to review. */
import { Link, useSearchParams } from 'react-router'
import { errorMessage } from '@/api/problem'
import { cx } from '@/components/cx'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { type AlertPage, type AlertStatus, categoryLabel, directionLabel, PAGE_SIZE, useAlerts } from './api'
import { offsetFrom, Pager } from './Pager'

type AlertRow = AlertPage['items'][number]

const TABS: ReadonlyArray<{ status: AlertStatus; label: string }> = [
  { status: 'open', label: 'Open' },
  { status: 'resolved', label: 'Resolved' },
]

const columns: ReadonlyArray<Column<AlertRow>> = [
  {
    key: 'when',
    header: 'When',
    cell: (a) => <time dateTime={a.created_at}>{new Date(a.created_at).toLocaleString()}</time>,
  },
  {
    key: 'learner',
    header: 'Learner',
    cell: (a) => (
      <Link to={`/alerts/${a.id}`} className="font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300">
        {a.learner_name || 'A learner'}
      </Link>
    ),
  },
  {
    key: 'categories',
    header: 'Why',
    cell: (a) => (
      <ul className="flex flex-wrap gap-1" aria-label="Categories">
        {a.categories.map((c) => (
          <li key={c} className="rounded-md bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-900 dark:bg-red-950 dark:text-red-200">
            {categoryLabel(c)}
          </li>
        ))}
      </ul>
    ),
  },
  { key: 'direction', header: 'What was held', cell: (a) => directionLabel(a.direction) },
  {
    key: 'status',
    header: 'Status',
    cell: (a) => (a.status === 'open' ? 'Open' : `Resolved ${a.resolved_at ? new Date(a.resolved_at).toLocaleDateString() : ''}`),
  },
]

export default function AlertsPage() {
  const [params, setParams] = useSearchParams()
  const status: AlertStatus = params.get('status') === 'resolved' ? 'resolved' : 'open'
  const offset = offsetFrom(params.get('offset'))
  const alerts = useAlerts(status, offset)

  function go(next: { status?: AlertStatus; offset?: number }) {
    const s = next.status ?? status
    const o = next.offset ?? 0
    setParams({ ...(s === 'resolved' ? { status: s } : {}), ...(o ? { offset: String(o) } : {}) })
  }

  return (
    <Page
      title="Safety alerts"
      description="Messages the safety filter held in your learners’ mentor conversations. Read each one, act, and mark it resolved."
    >
      <div role="group" aria-label="Which alerts" className="inline-flex rounded-lg border border-slate-300 p-1 dark:border-slate-700">
        {TABS.map((tab) => (
          <button
            key={tab.status}
            type="button"
            aria-pressed={status === tab.status}
            onClick={() => go({ status: tab.status })}
            className={cx(
              'rounded-md px-4 py-1.5 text-sm font-semibold',
              status === tab.status
                ? 'bg-brand-700 text-white'
                : 'text-slate-800 hover:bg-slate-200 dark:text-slate-200 dark:hover:bg-slate-800',
            )}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {alerts.isPending ? (
        <SkeletonRows rows={4} label="Loading alerts" />
      ) : alerts.isError ? (
        <ErrorState title="Alerts could not be loaded" message={errorMessage(alerts.error)} onRetry={() => void alerts.refetch()} />
      ) : alerts.data.items.length === 0 ? (
        <EmptyState
          title={status === 'open' ? 'No open alerts' : 'No resolved alerts yet'}
          message={
            status === 'open'
              ? 'When the safety filter holds a message of one of your learners, it appears here and you are told at once.'
              : 'Alerts you and other mentors mark as resolved are kept here, with their notes.'
          }
        />
      ) : (
        <>
          <Table caption={status === 'open' ? 'Open alerts' : 'Resolved alerts'} columns={columns} rows={alerts.data.items} rowKey={(a) => a.id} />
          <Pager label="Alert pages" offset={offset} limit={PAGE_SIZE} total={alerts.data.total} onChange={(o) => go({ offset: o })} />
        </>
      )}
    </Page>
  )
}
