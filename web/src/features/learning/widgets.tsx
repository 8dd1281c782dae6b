/** The progress widgets of the home screen: level and XP, streak, daily goal, reviews, what next, badges. */
import { type FormEvent, useId, useState } from 'react'
import { Link } from 'react-router'
import { errorMessage } from '@/api/problem'
import { Button, ButtonLink } from '@/components/Button'
import { cx } from '@/components/cx'
import { useToast } from '@/components/Toast'
import { type EarnedBadge, type Home, type Suggestion, useUpdateLearningSettings } from './api'

export const TIER_STYLE: Record<string, string> = {
  bronze: 'bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200',
  silver: 'bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100',
  gold: 'bg-yellow-100 text-yellow-900 dark:bg-yellow-900/40 dark:text-yellow-200',
  platinum: 'bg-cyan-100 text-cyan-900 dark:bg-cyan-900/40 dark:text-cyan-200',
  diamond: 'bg-violet-100 text-violet-900 dark:bg-violet-900/40 dark:text-violet-200',
}

export function tierClass(tier: string | null | undefined): string {
  return TIER_STYLE[tier ?? ''] ?? 'bg-brand-100 text-brand-800 dark:bg-slate-800 dark:text-brand-300'
}

function Widget({ title, children, className }: { title: string; children: React.ReactNode; className?: string }) {
  const id = useId()
  return (
    <section
      aria-labelledby={id}
      className={cx(
        'rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900',
        className,
      )}
    >
      <h2 id={id} className="text-sm font-semibold uppercase tracking-wide text-slate-700 dark:text-slate-300">
        {title}
      </h2>
      <div className="mt-3">{children}</div>
    </section>
  )
}

/** A horizontal bar with its value for assistive technology. */
export function Meter({ label, value, max = 1, className }: { label: string; value: number; max?: number; className?: string }) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 100
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      className={cx('h-3 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800', className)}
    >
      <div className="h-full rounded-full bg-brand-600 transition-[width] dark:bg-brand-500" style={{ width: `${pct}%` }} />
    </div>
  )
}

export function LevelCard({ level }: { level: Home['level'] }) {
  const into = level.xp_total - level.level_start_xp
  const span = level.next_level_xp === null ? null : level.next_level_xp - level.level_start_xp
  return (
    <Widget title="Level">
      <p className="text-3xl font-bold">
        <span className="sr-only">Level </span>
        {level.level}
      </p>
      <p className="text-sm text-slate-700 dark:text-slate-300">{level.xp_total.toLocaleString()} XP in total</p>
      {span !== null ? (
        <>
          <Meter label={`XP towards level ${level.level + 1}`} value={into} max={span} className="mt-3" />
          <p className="mt-1 text-xs text-slate-700 dark:text-slate-300">
            {(span - into).toLocaleString()} XP to level {level.level + 1}
          </p>
        </>
      ) : (
        <p className="mt-2 text-sm">Top level reached.</p>
      )}
    </Widget>
  )
}

export function StreakCard({ streak }: { streak: Home['streak'] }) {
  const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`
  return (
    <Widget title="Streak">
      <p className="text-3xl font-bold">
        <span aria-hidden="true">🔥 </span>
        {days(streak.current)}
      </p>
      <p className="text-sm text-slate-700 dark:text-slate-300">Longest: {days(streak.longest)}</p>
      <p className="mt-2 text-sm" aria-label={`${streak.freezes} streak ${streak.freezes === 1 ? 'freeze' : 'freezes'} in stock`}>
        <span aria-hidden="true">❄️ </span>
        {streak.freezes} {streak.freezes === 1 ? 'freeze' : 'freezes'} (of 2)
      </p>
      {streak.on_vacation ? (
        <p className="mt-2 text-sm text-slate-700 dark:text-slate-300">On vacation: your streak is paused.</p>
      ) : streak.today_counted ? (
        <p className="mt-2 text-sm text-emerald-800 dark:text-emerald-300">Today counts. Well done!</p>
      ) : streak.at_risk ? (
        <p className="mt-2 text-sm font-medium text-amber-800 dark:text-amber-300">Meet today’s goal to keep your streak.</p>
      ) : null}
    </Widget>
  )
}

const GOAL_CHOICES = [10, 20, 30, 50, 100, 150, 200]

/** The daily goal as a ring (SVG), with the goal setting when the learner looks at their own home. */
export function GoalRing({ goal, setting, editable }: { goal: Home['daily_goal']; setting: number; editable: boolean }) {
  const radius = 42
  const circumference = 2 * Math.PI * radius
  const fraction = Math.max(0, Math.min(1, goal.fraction))
  const [editing, setEditing] = useState(false)
  return (
    <Widget title="Daily goal">
      <div className="flex items-center gap-4">
        <svg
          viewBox="0 0 100 100"
          className="size-24 shrink-0 -rotate-90"
          role="img"
          aria-label={`Daily goal: ${goal.xp_today} of ${goal.goal_xp} XP${goal.met ? ', met' : ''}`}
        >
          <circle cx="50" cy="50" r={radius} fill="none" strokeWidth="12" className="stroke-slate-200 dark:stroke-slate-800" />
          <circle
            cx="50"
            cy="50"
            r={radius}
            fill="none"
            strokeWidth="12"
            strokeLinecap="round"
            strokeDasharray={circumference}
            strokeDashoffset={circumference * (1 - fraction)}
            className={goal.met ? 'stroke-emerald-600' : 'stroke-brand-600'}
          />
        </svg>
        <div>
          <p className="text-2xl font-bold">
            {goal.xp_today}
            <span className="text-base font-medium text-slate-700 dark:text-slate-300"> / {goal.goal_xp} XP</span>
          </p>
          <p className="text-sm text-slate-700 dark:text-slate-300">{goal.met ? 'Goal met today.' : 'Today so far.'}</p>
          {setting !== goal.goal_xp && (
            <p className="text-sm text-slate-700 dark:text-slate-300">From tomorrow: {setting} XP a day.</p>
          )}
          {editable && !editing && (
            <button
              type="button"
              className="mt-1 text-sm font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300"
              onClick={() => setEditing(true)}
            >
              Change goal
            </button>
          )}
          {editable && (
            <Link
              to="/settings/learning"
              className="text-sm font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300"
            >
              Learning settings
            </Link>
          )}
        </div>
      </div>
      {editable && editing && <GoalForm current={setting} onDone={() => setEditing(false)} />}
    </Widget>
  )
}

function GoalForm({ current, onDone }: { current: number; onDone: () => void }) {
  const update = useUpdateLearningSettings()
  const toast = useToast()
  const [value, setValue] = useState(String(current))
  const id = useId()
  const choices = GOAL_CHOICES.includes(current) ? GOAL_CHOICES : [...GOAL_CHOICES, current].sort((a, b) => a - b)
  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    try {
      await update.mutateAsync({ daily_goal_xp: Number(value) })
      toast.success(`Daily goal set to ${value} XP.`)
      onDone()
    } catch (error) {
      toast.error(errorMessage(error))
    }
  }
  return (
    <form onSubmit={onSubmit} className="mt-3 flex flex-wrap items-end gap-2">
      <div>
        <label htmlFor={id} className="block text-sm font-medium">
          XP a day
        </label>
        <select
          id={id}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className="mt-1 min-h-10 rounded-lg border border-slate-300 bg-white px-3 dark:border-slate-600 dark:bg-slate-900"
        >
          {choices.map((n) => (
            <option key={n} value={n}>
              {n} XP
            </option>
          ))}
        </select>
      </div>
      <Button type="submit" pending={update.isPending}>
        Save goal
      </Button>
      <Button variant="ghost" onClick={onDone}>
        Cancel
      </Button>
    </form>
  )
}

export function DueReviews({ count, editable }: { count: number; editable: boolean }) {
  return (
    <Widget title="Reviews">
      <p className="text-3xl font-bold">{count}</p>
      <p className="text-sm text-slate-700 dark:text-slate-300">
        {count === 0 ? 'Nothing due: you are up to date.' : `${count === 1 ? 'card is' : 'cards are'} due now`}
      </p>
      {editable && count > 0 && (
        <ButtonLink to="/review" className="mt-3">
          Start review
        </ButtonLink>
      )}
    </Widget>
  )
}

function suggestionLink(s: Suggestion): { to: string; label: string } | null {
  if (s.kind === 'review') return { to: '/review', label: 'Start review' }
  if (s.lesson_id) return { to: `/lessons/${s.lesson_id}`, label: `Open “${s.lesson_title ?? 'the lesson'}”` }
  if (s.course_id) return { to: `/courses/${s.course_id}`, label: `Open ${s.course_title ?? 'the course'}` }
  if (s.kind === 'new') return { to: '/courses', label: 'Browse courses' }
  return null
}

const KIND_TITLE: Record<Suggestion['kind'], string> = {
  review: 'Review',
  practice: 'Practise',
  new: 'Something new',
}

export function WhatNext({ items, editable }: { items: Suggestion[]; editable: boolean }) {
  return (
    <Widget title="What next" className="sm:col-span-2">
      <ol className="space-y-3">
        {items.map((s, i) => {
          const link = editable ? suggestionLink(s) : null
          return (
            <li key={`${s.kind}-${i}`} className="rounded-lg border border-slate-200 p-3 dark:border-slate-700">
              <p className="font-semibold">
                {KIND_TITLE[s.kind]}
                {s.skill_name ? `: ${s.skill_name}` : ''}
                {s.mastery != null && (
                  <span className="ml-2 text-sm font-normal text-slate-700 dark:text-slate-300">
                    ({Math.round(s.mastery * 100)} % mastery)
                  </span>
                )}
              </p>
              <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{s.reason}</p>
              {link && (
                <Link
                  to={link.to}
                  className="mt-2 inline-block text-sm font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300"
                >
                  {link.label}
                </Link>
              )}
            </li>
          )
        })}
      </ol>
    </Widget>
  )
}

export function BadgeChip({ badge }: { badge: EarnedBadge }) {
  return (
    <span className={cx('inline-flex items-center gap-1 rounded-full px-3 py-1 text-sm font-medium', tierClass(badge.tier_name))}>
      <span aria-hidden="true">🏅</span>
      {badge.name}
      {badge.tier_name && <span className="capitalize">· {badge.tier_name}</span>}
    </span>
  )
}

export function RecentBadges({ badges, allLink }: { badges: EarnedBadge[]; allLink?: string }) {
  return (
    <Widget title="Recent badges">
      {badges.length === 0 ? (
        <p className="text-sm text-slate-700 dark:text-slate-300">No badges yet: answer your first question to earn one.</p>
      ) : (
        <ul className="flex flex-wrap gap-2">
          {badges.map((b) => (
            <li key={`${b.key}-${b.tier}`} title={b.description}>
              <BadgeChip badge={b} />
            </li>
          ))}
        </ul>
      )}
      {allLink && (
        <Link
          to={allLink}
          className="mt-3 inline-block text-sm font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300"
        >
          All badges
        </Link>
      )}
    </Widget>
  )
}
