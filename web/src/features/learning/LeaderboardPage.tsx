/** Leaderboards: this week or all time, the organisation or one course; your rank; how you appear. */
import { useId, useState } from 'react'
import { ApiError, errorMessage } from '@/api/problem'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { cx } from '@/components/cx'
import { type LearningSettings, type Period, useCourseOptions, useHome, useLeaderboard, useUpdateLearningSettings } from './api'

const MODES: Array<[LearningSettings['leaderboard_mode'], string, string]> = [
  ['visible', 'Show my name', 'Others see your name and XP.'],
  ['anonymous', 'Anonymous', 'You appear as “Anonymous learner”.'],
  ['hidden', 'Leave the leaderboards', 'You are not listed; you still see the boards.'],
]

function VisibilitySetting() {
  const home = useHome()
  const update = useUpdateLearningSettings()
  const toast = useToast()
  const name = useId()
  if (!home.data) return null
  const current = (update.isPending ? update.variables.leaderboard_mode : undefined) ?? home.data.settings.leaderboard_mode
  async function choose(mode: LearningSettings['leaderboard_mode']) {
    try {
      await update.mutateAsync({ leaderboard_mode: mode })
      toast.success('Leaderboard setting saved.')
    } catch (error) {
      toast.error(errorMessage(error))
    }
  }
  return (
    <fieldset className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" disabled={update.isPending}>
      <legend className="px-1 text-sm font-semibold">How you appear</legend>
      <div className="mt-1 grid gap-2 sm:grid-cols-3">
        {MODES.map(([mode, label, hint]) => (
          <label key={mode} className="flex cursor-pointer items-start gap-2 rounded-lg p-2 hover:bg-slate-100 dark:hover:bg-slate-800">
            <input
              type="radio"
              name={name}
              value={mode}
              checked={current === mode}
              onChange={() => void choose(mode)}
              className="mt-1 size-4 accent-brand-700"
            />
            <span>
              <span className="block text-sm font-medium">{label}</span>
              <span className="block text-xs text-slate-700 dark:text-slate-300">{hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  )
}

function Board({ period, courseId }: { period: Period; courseId: string }) {
  const board = useLeaderboard(period, courseId)
  if (board.isPending) return <SkeletonRows rows={5} label="Loading the leaderboard" />
  if (board.isError) {
    if (board.error instanceof ApiError && board.error.status === 403) {
      return <EmptyState title="Leaderboards are turned off" message="Your organisation has switched leaderboards off." />
    }
    return <ErrorState title="The leaderboard could not be loaded" message={errorMessage(board.error)} onRetry={() => void board.refetch()} />
  }
  const entries = board.data.entries
  const me = entries.find((e) => e.is_me)
  return (
    <div className="space-y-3">
      <p role="status" className="rounded-lg bg-brand-50 p-3 text-sm font-medium text-brand-800 dark:bg-slate-900 dark:text-brand-300">
        {me ? `Your rank: ${me.rank} with ${me.xp.toLocaleString()} XP` : 'You are not on this board yet: earn XP to join it.'}
      </p>
      {entries.length === 0 ? (
        <EmptyState title="Nobody on this board yet" message="XP earned in this period appears here." />
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">{period === 'week' ? 'This week' : 'All time'}</caption>
            <thead className="border-b border-slate-200 text-slate-700 dark:border-slate-800 dark:text-slate-300">
              <tr>
                <th scope="col" className="px-4 py-2">Rank</th>
                <th scope="col" className="px-4 py-2">Learner</th>
                <th scope="col" className="px-4 py-2 text-right">XP</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr
                  key={`${e.rank}-${e.learner_id ?? 'anon'}`}
                  aria-current={e.is_me ? 'true' : undefined}
                  className={cx('border-b border-slate-100 last:border-0 dark:border-slate-800', e.is_me && 'bg-brand-50 font-semibold dark:bg-slate-800')}
                >
                  <td className="px-4 py-2">{e.rank <= 3 ? ['🥇', '🥈', '🥉'][e.rank - 1] : ''} {e.rank}</td>
                  <td className="px-4 py-2">
                    {e.display_name}
                    {e.is_me && <span className="ml-1 text-xs">(you)</span>}
                  </td>
                  <td className="px-4 py-2 text-right tabular-nums">{e.xp.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}

export default function LeaderboardPage() {
  const [period, setPeriod] = useState<Period>('week')
  const [courseId, setCourseId] = useState('')
  const courses = useCourseOptions()
  const selectId = useId()
  return (
    <Page title="Leaderboards" description="XP earned this week (from Monday) or since you started.">
      <div className="flex flex-wrap items-end gap-3">
        <div role="group" aria-label="Period" className="flex gap-1">
          {(
            [
              ['week', 'This week'],
              ['all', 'All time'],
            ] as const
          ).map(([key, label]) => (
            <button
              key={key}
              type="button"
              aria-pressed={period === key}
              onClick={() => setPeriod(key)}
              className={cx(
                'min-h-10 rounded-lg px-3 text-sm font-medium',
                period === key ? 'bg-brand-700 text-white' : 'bg-white text-slate-900 ring-1 ring-slate-300 dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-600',
              )}
            >
              {label}
            </button>
          ))}
        </div>
        <div>
          <label htmlFor={selectId} className="block text-sm font-medium">
            Board
          </label>
          <select
            id={selectId}
            value={courseId}
            onChange={(e) => setCourseId(e.target.value)}
            className="mt-1 min-h-10 max-w-full rounded-lg border border-slate-300 bg-white px-3 dark:border-slate-600 dark:bg-slate-900"
          >
            <option value="">Whole organisation</option>
            {(courses.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Board period={period} courseId={courseId} />
      <VisibilitySetting />
    </Page>
  )
}
