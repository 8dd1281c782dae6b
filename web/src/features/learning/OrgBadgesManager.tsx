/** Mentors and admins: the organisation's own badges — list, create (counter + tier thresholds), retire. */
import { type FormEvent, useState } from 'react'
import { ApiError, errorMessage } from '@/api/problem'
import { Button } from '@/components/Button'
import { Dialog } from '@/components/Dialog'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Field, SelectField } from '@/components/Field'
import { Card } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { type CustomBadge, type CustomBadgeCreate, useCreateCustomBadge, useCustomBadges, useDeleteCustomBadge } from './api'

type Counter = CustomBadgeCreate['counter']

/** Every counter the API accepts, with the words a mentor reads. */
export const COUNTERS: ReadonlyArray<{ value: Counter; label: string }> = [
  { value: 'answers_correct', label: 'Correct answers' },
  { value: 'answers_correct_unassisted', label: 'Correct answers without help' },
  { value: 'first_try_correct', label: 'Correct at the first try' },
  { value: 'best_skill_correct', label: 'Correct answers in one skill' },
  { value: 'correct_run_best', label: 'Longest run of correct answers' },
  { value: 'unassisted_run_best', label: 'Longest run without help' },
  { value: 'bounce_backs', label: 'Mistakes put right' },
  { value: 'answers_day_best', label: 'Most answers in one day' },
  { value: 'quizzes_passed', label: 'Quizzes passed' },
  { value: 'quizzes_perfect', label: 'Perfect quizzes' },
  { value: 'lessons_completed', label: 'Lessons completed' },
  { value: 'reviews_done', label: 'Reviews done' },
  { value: 'recalls', label: 'Reviews recalled' },
  { value: 'long_recalls', label: 'Recalls after 30+ days' },
  { value: 'streak_best', label: 'Best streak (days)' },
  { value: 'goals_met', label: 'Daily goals met' },
  { value: 'weekend_goals', label: 'Weekends with both goals met' },
  { value: 'freezes_earned', label: 'Streak freezes earned' },
  { value: 'early_days', label: 'Days studied before 07:00' },
  { value: 'late_days', label: 'Days studied after 22:00' },
  { value: 'skills_practised', label: 'Skills practised' },
  { value: 'skills_mastered', label: 'Skills mastered' },
  { value: 'courses_mastered', label: 'Courses mastered' },
  { value: 'level', label: 'Level reached' },
  { value: 'xp_total', label: 'Total XP' },
  { value: 'comebacks', label: 'Comebacks after a week away' },
]

export function counterLabel(counter: string): string {
  return COUNTERS.find((c) => c.value === counter)?.label ?? counter
}

/** "5, 20, 50" → [5, 20, 50], or an error sentence (1–5 whole numbers, rising, 1 to 1,000,000). */
export function parseThresholds(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean)
  if (parts.length === 0) return 'Enter at least one threshold.'
  if (parts.length > 5) return 'A badge has at most 5 tiers.'
  const numbers = parts.map(Number)
  if (numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) {
    return 'Thresholds are whole numbers from 1 to 1,000,000.'
  }
  if (numbers.some((n, i) => i > 0 && n <= (numbers[i - 1] ?? 0))) return 'Each threshold must be higher than the one before.'
  return numbers
}

interface Errors {
  name?: string | undefined
  description?: string | undefined
  thresholds?: string | undefined
}

function CreateBadgeForm() {
  const create = useCreateCustomBadge()
  const toast = useToast()
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [counter, setCounter] = useState<Counter>('answers_correct')
  const [thresholds, setThresholds] = useState('')
  const [errors, setErrors] = useState<Errors>({})
  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    const parsed = parseThresholds(thresholds)
    const next: Errors = {
      name: name.trim() ? undefined : 'Enter a name.',
      description: description.trim() ? undefined : 'Enter a description.',
      thresholds: typeof parsed === 'string' ? parsed : undefined,
    }
    setErrors(next)
    if (next.name || next.description || typeof parsed === 'string') return
    try {
      await create.mutateAsync({ name: name.trim(), description: description.trim(), counter, thresholds: parsed })
      toast.success(`Badge “${name.trim()}” created.`)
      setName('')
      setDescription('')
      setThresholds('')
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
        setErrors({
          name: error.fieldErrors.name,
          description: error.fieldErrors.description,
          thresholds: error.fieldErrors.thresholds,
        })
      }
      toast.error(errorMessage(error))
    }
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="New organisation badge" className="grid gap-3 sm:grid-cols-2">
      <Field label="Name" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} error={errors.name} required />
      <SelectField
        label="Counts"
        value={counter}
        onChange={(e) => setCounter(e.target.value as Counter)}
        options={COUNTERS}
      />
      <div className="sm:col-span-2">
        <Field
          label="Description"
          value={description}
          maxLength={300}
          onChange={(e) => setDescription(e.target.value)}
          error={errors.description}
          required
        />
      </div>
      <Field
        label="Tier thresholds"
        value={thresholds}
        inputMode="numeric"
        placeholder="5, 20, 50"
        onChange={(e) => setThresholds(e.target.value)}
        error={errors.thresholds}
        hint="One to five rising numbers, separated by commas: one tier each."
        required
      />
      <div className="flex items-end">
        <Button type="submit" pending={create.isPending}>
          Create badge
        </Button>
      </div>
    </form>
  )
}

function BadgeRow({ badge, onRetire }: { badge: CustomBadge; onRetire: (badge: CustomBadge) => void }) {
  return (
    <li className="flex flex-wrap items-start justify-between gap-2 py-3">
      <div className="min-w-0">
        <p className="font-semibold">{badge.name}</p>
        <p className="text-sm text-slate-700 dark:text-slate-300">{badge.description}</p>
        <p className="text-xs text-slate-700 dark:text-slate-300">
          {counterLabel(badge.counter)}: {badge.thresholds.map((t) => t.toLocaleString()).join(' · ')}
        </p>
      </div>
      <Button variant="secondary" onClick={() => onRetire(badge)} aria-label={`Retire “${badge.name}”`}>
        Retire
      </Button>
    </li>
  )
}

export function OrgBadgesManager() {
  const badges = useCustomBadges()
  const remove = useDeleteCustomBadge()
  const toast = useToast()
  const [retiring, setRetiring] = useState<CustomBadge | null>(null)
  async function confirmRetire() {
    if (!retiring) return
    try {
      await remove.mutateAsync(retiring.id)
      toast.success(`Badge “${retiring.name}” retired.`)
      setRetiring(null)
    } catch (error) {
      toast.error(errorMessage(error))
    }
  }
  return (
    <Card
      title="Manage organisation badges"
      description="Badges of your own, earned by your organisation's learners. Retired badges stay in the history of those who earned them."
    >
      <div className="space-y-4">
        {badges.isPending ? (
          <SkeletonRows rows={3} label="Loading organisation badges" />
        ) : badges.isError ? (
          <ErrorState title="Organisation badges could not be loaded" message={errorMessage(badges.error)} onRetry={() => void badges.refetch()} />
        ) : badges.data.length === 0 ? (
          <EmptyState title="No organisation badges yet" message="Create the first one below." />
        ) : (
          <ul aria-label="Organisation badges" className="divide-y divide-slate-200 dark:divide-slate-800">
            {badges.data.map((b) => (
              <BadgeRow key={b.id} badge={b} onRetire={setRetiring} />
            ))}
          </ul>
        )}
        <h3 className="font-semibold">New badge</h3>
        <CreateBadgeForm />
      </div>
      <Dialog
        open={retiring !== null}
        title="Retire this badge?"
        onClose={() => setRetiring(null)}
        footer={
          <>
            <Button variant="ghost" onClick={() => setRetiring(null)}>
              Cancel
            </Button>
            <Button variant="danger" pending={remove.isPending} onClick={() => void confirmRetire()}>
              Retire badge
            </Button>
          </>
        }
      >
        <p>
          “{retiring?.name}” will no longer be awarded. Learners who earned it keep it.
        </p>
      </Dialog>
    </Card>
  )
}
