/** Every badge with its tiers and the progress to the next one; earned ones stand out. */
import { useState } from 'react'
import { errorMessage } from '@/api/problem'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { cx } from '@/components/cx'
import { MENTOR_ROLES, useAuth } from '@/lib/auth/context'
import { type BadgeProgress, useBadges } from './api'
import { OrgBadgesManager } from './OrgBadgesManager'
import { Meter, tierClass } from './widgets'

type Filter = 'all' | 'earned' | 'todo'

function BadgeCard({ badge }: { badge: BadgeProgress }) {
  const top = badge.earned[badge.earned.length - 1]
  const done = badge.tiers_earned === badge.tiers_total
  return (
    <li
      className={cx(
        'flex flex-col rounded-xl border p-4 shadow-sm',
        badge.tiers_earned > 0
          ? 'border-brand-600 bg-brand-50 dark:border-brand-500 dark:bg-slate-900'
          : 'border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900',
      )}
    >
      <div className="flex items-start justify-between gap-2">
        <h2 className="font-semibold">
          <span aria-hidden="true">{badge.tiers_earned > 0 ? '🏅 ' : '○ '}</span>
          {badge.name}
        </h2>
        {top && (
          <span className={cx('rounded-full px-2 py-0.5 text-xs font-semibold capitalize', tierClass(top.tier_name))}>
            {top.tier_name ?? 'Earned'}
          </span>
        )}
      </div>
      <p className="mt-1 flex-1 text-sm text-slate-700 dark:text-slate-300">{badge.description}</p>
      <p className="mt-2 text-xs font-medium" aria-label={`${badge.tiers_earned} of ${badge.tiers_total} tiers earned`}>
        <span aria-hidden="true">
          {Array.from({ length: badge.tiers_total }, (_, i) => (i < badge.tiers_earned ? '★' : '☆')).join(' ')}
        </span>
        {badge.custom && <span className="ml-2 rounded bg-slate-200 px-1 dark:bg-slate-700">Organisation badge</span>}
      </p>
      {!done && badge.next_threshold !== null && (
        <>
          <Meter label={`${badge.name}: ${badge.value} of ${badge.next_threshold}`} value={badge.value} max={badge.next_threshold} className="mt-2" />
          <p className="mt-1 text-xs text-slate-700 dark:text-slate-300">
            {badge.value.toLocaleString()} / {badge.next_threshold.toLocaleString()}
          </p>
        </>
      )}
      {done && <p className="mt-2 text-xs font-semibold text-emerald-800 dark:text-emerald-300">Every tier earned</p>}
    </li>
  )
}

export function BadgeCatalogue({ learnerId }: { learnerId?: string }) {
  const badges = useBadges(learnerId)
  const [filter, setFilter] = useState<Filter>('all')
  if (badges.isPending) return <SkeletonRows rows={6} label="Loading badges" />
  if (badges.isError) {
    return <ErrorState title="Badges could not be loaded" message={errorMessage(badges.error)} onRetry={() => void badges.refetch()} />
  }
  const all = [...badges.data].sort((a, b) => b.tiers_earned - a.tiers_earned || b.fraction - a.fraction)
  const earned = all.filter((b) => b.tiers_earned > 0)
  const shown = filter === 'earned' ? earned : filter === 'todo' ? all.filter((b) => b.tiers_earned < b.tiers_total) : all
  const filters: Array<[Filter, string]> = [
    ['all', 'All'],
    ['earned', 'Earned'],
    ['todo', 'Still to earn'],
  ]
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-700 dark:text-slate-300">
          {earned.length} of {all.length} badges earned
        </p>
        <div role="group" aria-label="Show" className="flex gap-1">
          {filters.map(([key, label]) => (
            <button
              key={key}
              type="button"
              aria-pressed={filter === key}
              onClick={() => setFilter(key)}
              className={cx(
                'min-h-10 rounded-lg px-3 text-sm font-medium',
                filter === key ? 'bg-brand-700 text-white' : 'bg-white text-slate-900 ring-1 ring-slate-300 dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-600',
              )}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      {shown.length === 0 ? (
        <EmptyState title="No badges here yet" message="Answer questions, complete lessons and keep your streak to earn badges." />
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {shown.map((b) => (
            <BadgeCard key={b.key} badge={b} />
          ))}
        </ul>
      )}
    </div>
  )
}

export default function BadgesPage() {
  const { role } = useAuth()
  const manages = role !== null && MENTOR_ROLES.includes(role)
  return (
    <Page title="Badges" description="Each badge has tiers, from bronze up: the next one is shown with your progress.">
      <BadgeCatalogue />
      {manages && (
        <div className="mt-8">
          <OrgBadgesManager />
        </div>
      )}
    </Page>
  )
}
