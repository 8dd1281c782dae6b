/** The learner's learning settings: vacation mode, review retention and the daily history. */
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { errorMessage } from '@/api/problem'
import { Button } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Field, SelectField } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { cx } from '@/components/cx'
import { useToast } from '@/components/Toast'
import { type Home, useHome, useMyDays, useUpdateLearningSettings, useVacation } from './api'

const RETENTIONS = [0.8, 0.85, 0.9, 0.95]

function VacationCard({ home }: { home: Home }) {
  const { start, end } = useVacation()
  const toast = useToast()
  const [until, setUntil] = useState('')
  const onVacation = home.streak.on_vacation
  async function onStart(event: FormEvent) {
    event.preventDefault()
    try {
      await start.mutateAsync(until || null)
      toast.success(until ? `Vacation mode on until ${until}.` : 'Vacation mode on.')
    } catch (error) {
      toast.error(errorMessage(error))
    }
  }
  async function onEnd() {
    try {
      await end.mutateAsync()
      toast.success('Vacation mode off: welcome back.')
    } catch (error) {
      toast.error(errorMessage(error))
    }
  }
  return (
    <Card title="Vacation mode" description="While on vacation your streak is paused: missed days do not break it.">
      {onVacation ? (
        <div className="flex flex-wrap items-center gap-3">
          <p className="text-sm font-medium">You are on vacation: your streak is paused.</p>
          <Button variant="secondary" pending={end.isPending} onClick={() => void onEnd()}>
            End vacation
          </Button>
        </div>
      ) : (
        <form onSubmit={onStart} className="flex flex-wrap items-end gap-3">
          <div className="min-w-0 flex-1 sm:max-w-xs">
            <Field
              label="Last day (optional)"
              type="date"
              value={until}
              onChange={(e) => setUntil(e.target.value)}
              hint="Leave empty to stay on vacation until you end it."
            />
          </div>
          <Button type="submit" pending={start.isPending}>
            Start vacation
          </Button>
        </form>
      )}
    </Card>
  )
}

function RetentionCard({ home }: { home: Home }) {
  const update = useUpdateLearningSettings()
  const toast = useToast()
  const current = home.settings.desired_retention
  const [value, setValue] = useState(String(current))
  const choices = RETENTIONS.includes(current) ? RETENTIONS : [...RETENTIONS, current].sort((a, b) => a - b)
  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    try {
      await update.mutateAsync({ desired_retention: Number(value) })
      toast.success(`Reviews now aim at ${Math.round(Number(value) * 100)} % recall.`)
    } catch (error) {
      toast.error(errorMessage(error))
    }
  }
  return (
    <Card
      title="Reviews"
      description="How likely you should be to remember a card when it comes due. Higher means more frequent reviews."
    >
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
        <div className="min-w-0 flex-1 sm:max-w-xs">
          <SelectField
            label="Desired retention"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            options={choices.map((r) => ({ value: String(r), label: `${Math.round(r * 100)} %` }))}
          />
        </div>
        <Button type="submit" pending={update.isPending} disabled={Number(value) === current}>
          Save retention
        </Button>
      </form>
      <p className="mt-3 text-sm text-slate-700 dark:text-slate-300">
        Daily goal: {home.settings.daily_goal_xp} XP (change it on the <Link to="/" className="font-semibold text-brand-700 underline dark:text-brand-300">home page</Link>).
        Leaderboard visibility is set on the{' '}
        <Link to="/leaderboards" className="font-semibold text-brand-700 underline dark:text-brand-300">
          leaderboards
        </Link>
        .
      </p>
    </Card>
  )
}

function DayHistory() {
  const days = useMyDays(14)
  if (days.isPending) return <SkeletonRows rows={5} label="Loading your recent days" />
  if (days.isError) {
    return <ErrorState title="Your history could not be loaded" message={errorMessage(days.error)} onRetry={() => void days.refetch()} />
  }
  if (days.data.length === 0) {
    return <EmptyState title="No days yet" message="Answer a question or review a card and your days will show here." />
  }
  const maxXp = Math.max(1, ...days.data.map((d) => Math.max(d.xp, d.goal_xp)))
  const met = days.data.filter((d) => d.goal_met).length
  return (
    <div>
      <p className="mb-2 text-sm text-slate-700 dark:text-slate-300">
        Goal met on {met} of the last {days.data.length} days.
      </p>
      <ul aria-label="Recent days" className="divide-y divide-slate-200 dark:divide-slate-800">
        {days.data.map((d) => (
          <li key={d.day} className="grid grid-cols-[5.5rem_1fr] items-center gap-x-3 gap-y-1 py-2 text-sm sm:grid-cols-[7rem_1fr_auto]">
            <span className="font-medium">
              <time dateTime={d.day}>{new Date(`${d.day}T00:00:00`).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })}</time>
            </span>
            <span aria-hidden="true" className="h-2 rounded-full bg-slate-200 dark:bg-slate-800">
              <span
                className={cx('block h-2 rounded-full', d.goal_met ? 'bg-emerald-600' : 'bg-brand-600')}
                style={{ width: `${Math.round((Math.min(d.xp, maxXp) / maxXp) * 100)}%` }}
              />
            </span>
            <span className="col-span-2 text-slate-700 sm:col-span-1 dark:text-slate-300">
              {d.xp} / {d.goal_xp} XP · {d.answers} {d.answers === 1 ? 'answer' : 'answers'} ·{' '}
              <span className={d.goal_met ? 'font-semibold text-emerald-800 dark:text-emerald-300' : undefined}>
                {d.goal_met ? 'goal met' : 'goal not met'}
              </span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}

export default function LearningSettingsPage() {
  const home = useHome()
  return (
    <Page title="Learning settings" description="Pause your streak, tune your reviews and look back at recent days.">
      <div className="space-y-4">
        {home.isPending ? (
          <SkeletonRows rows={4} label="Loading your settings" />
        ) : home.isError ? (
          <ErrorState title="Your settings could not be loaded" message={errorMessage(home.error)} onRetry={() => void home.refetch()} />
        ) : (
          <>
            <VacationCard home={home.data} />
            <RetentionCard home={home.data} />
          </>
        )}
        <Card title="Recent days">
          <DayHistory />
        </Card>
      </div>
    </Page>
  )
}
