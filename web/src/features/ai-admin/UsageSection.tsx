/** Spend this month against the budget; totals by alias, deployment, user or day; the latest calls. */
import { useState } from 'react'
import { Button } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Card } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { errorMessage } from '@/api/problem'
import { type UsageBreakdown, type UsageDimension, type UsagePage, usd, useUsageBreakdown, useUsageCalls, useUsageSummary } from './api'

const DIMENSIONS: ReadonlyArray<{ value: UsageDimension; label: string }> = [
  { value: 'alias', label: 'Alias' },
  { value: 'user', label: 'User' },
  { value: 'day', label: 'Day' },
  { value: 'deployment', label: 'Deployment' },
]
const PERIODS = [7, 30, 90] as const
const PAGE = 20

function Summary() {
  const summary = useUsageSummary()
  if (summary.isPending) return <SkeletonRows rows={2} label="Loading this month's spend" />
  if (summary.isError) return <ErrorState message={errorMessage(summary.error)} onRetry={() => void summary.refetch()} />
  const { spent_usd, reserved_usd, budget_usd, resets_at } = summary.data
  const share = budget_usd ? Math.min(1, (spent_usd + reserved_usd) / budget_usd) : null
  return (
    <Card title="This month">
      <dl className="grid gap-4 sm:grid-cols-3">
        <div>
          <dt className="text-sm text-slate-700 dark:text-slate-300">Spent</dt>
          <dd className="text-2xl font-bold">{usd(spent_usd)}</dd>
        </div>
        <div>
          <dt className="text-sm text-slate-700 dark:text-slate-300">Held by calls in progress</dt>
          <dd className="text-2xl font-bold">{usd(reserved_usd)}</dd>
        </div>
        <div>
          <dt className="text-sm text-slate-700 dark:text-slate-300">Monthly budget</dt>
          <dd className="text-2xl font-bold">{budget_usd === null ? 'No cap' : usd(budget_usd)}</dd>
        </div>
      </dl>
      {share !== null && (
        <div className="mt-4">
          <div
            role="meter"
            aria-label="Share of the monthly budget used"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(share * 100)}
            className="h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
          >
            <div className={share > 0.9 ? 'h-full bg-red-700' : 'h-full bg-brand-700'} style={{ width: `${share * 100}%` }} />
          </div>
          <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">
            {Math.round(share * 100)}% used · resets {new Date(resets_at).toLocaleDateString(undefined, { day: 'numeric', month: 'long' })}
          </p>
        </div>
      )}
    </Card>
  )
}

type Total = UsageBreakdown['groups'][number]

function Breakdown() {
  const [by, setBy] = useState<UsageDimension>('alias')
  const [days, setDays] = useState<number>(30)
  const breakdown = useUsageBreakdown(by, days)
  const columns: Column<Total>[] = [
    { key: 'label', header: DIMENSIONS.find((d) => d.value === by)?.label, cell: (g) => <span className="font-medium">{g.label}</span> },
    { key: 'calls', header: 'Calls', cell: (g) => g.calls.toLocaleString() },
    { key: 'in', header: 'Input tokens', cell: (g) => g.input_tokens.toLocaleString() },
    { key: 'out', header: 'Output tokens', cell: (g) => g.output_tokens.toLocaleString() },
    { key: 'cost', header: 'Cost', cell: (g) => usd(g.cost_usd) },
  ]
  return (
    <Card title="Totals">
      <div className="mb-4 flex flex-wrap gap-4">
        <label className="text-sm font-medium">
          By
          <select value={by} onChange={(e) => setBy(e.target.value as UsageDimension)} className="ml-2 rounded-lg border border-slate-400 bg-white px-2 py-1 dark:border-slate-500 dark:bg-slate-900">
            {DIMENSIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm font-medium">
          Period
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} className="ml-2 rounded-lg border border-slate-400 bg-white px-2 py-1 dark:border-slate-500 dark:bg-slate-900">
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                Last {p} days
              </option>
            ))}
          </select>
        </label>
      </div>
      {breakdown.isPending ? (
        <SkeletonRows rows={3} label="Loading totals" />
      ) : breakdown.isError ? (
        <ErrorState message={errorMessage(breakdown.error)} onRetry={() => void breakdown.refetch()} />
      ) : breakdown.data.groups.length === 0 ? (
        <p className="text-sm text-slate-700 dark:text-slate-300">No AI calls in this period.</p>
      ) : (
        <>
          <Table caption={`AI usage by ${by}`} columns={columns} rows={breakdown.data.groups} rowKey={(g) => g.key ?? '(none)'} />
          <p className="mt-2 text-sm text-slate-700 dark:text-slate-300">
            {breakdown.data.total_calls.toLocaleString()} {breakdown.data.total_calls === 1 ? 'call' : 'calls'}, {usd(breakdown.data.total_cost_usd)} in total.
          </p>
        </>
      )}
    </Card>
  )
}

type Call = UsagePage['items'][number]

function Calls() {
  const [offset, setOffset] = useState(0)
  const calls = useUsageCalls(offset)
  const columns: Column<Call>[] = [
    { key: 'when', header: 'When', cell: (c) => new Date(c.created_at).toLocaleString() },
    { key: 'alias', header: 'Alias', cell: (c) => c.alias },
    { key: 'deployment', header: 'Deployment', cell: (c) => c.deployment ?? '—' },
    { key: 'tokens', header: 'Tokens in / out', cell: (c) => `${c.input_tokens} / ${c.output_tokens}${c.estimated ? ' (est.)' : ''}` },
    { key: 'cost', header: 'Cost', cell: (c) => usd(c.cost_usd) },
    { key: 'outcome', header: 'Outcome', cell: (c) => (c.error_kind ? `${c.outcome} (${c.error_kind})` : c.outcome) },
  ]
  return (
    <Card title="Latest calls">
      {calls.isPending ? (
        <SkeletonRows rows={3} label="Loading calls" />
      ) : calls.isError ? (
        <ErrorState message={errorMessage(calls.error)} onRetry={() => void calls.refetch()} />
      ) : calls.data.items.length === 0 ? (
        <p className="text-sm text-slate-700 dark:text-slate-300">No AI calls yet.</p>
      ) : (
        <div className="space-y-3">
          <Table caption="Latest AI calls" columns={columns} rows={calls.data.items} rowKey={(c) => c.id} />
          <div className="flex items-center justify-between text-sm">
            <span>
              {offset + 1}–{offset + calls.data.items.length} of {calls.data.total}
            </span>
            <div className="flex gap-2">
              <Button variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Newer
              </Button>
              <Button variant="secondary" disabled={offset + PAGE >= calls.data.total} onClick={() => setOffset(offset + PAGE)}>
                Older
              </Button>
            </div>
          </div>
        </div>
      )}
    </Card>
  )
}

export function UsageSection() {
  return (
    <div className="space-y-6">
      <Summary />
      <Breakdown />
      <Calls />
    </div>
  )
}
