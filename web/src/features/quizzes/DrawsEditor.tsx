/** The random draws of a quiz: for each, the skills, a difficulty range and how many questions to pick. */
import { Button } from '@/components/Button'
import { Field, SelectField } from '@/components/Field'
import { type SkillChoice, SkillPicker } from '@/components/SkillPicker'
import type { FieldErrors } from '@/api/problem'
import { type BankQuestion, type Draw, matchesDraw, MAX_DRAWS, MAX_QUIZ_QUESTIONS, type Policy } from './api'

export interface DrawDraft {
  key: number
  skills: string[]
  min: number
  max: number
  count: string
}

let drawKeys = 0

export function newDraw(from?: Draw): DrawDraft {
  drawKeys += 1
  return {
    key: drawKeys,
    skills: from?.skills ?? [],
    min: from?.difficulty_min ?? 1,
    max: from?.difficulty_max ?? 5,
    count: String(from?.count ?? 5),
  }
}

const DIFFICULTIES = [1, 2, 3, 4, 5].map((d) => ({
  value: String(d),
  label: d === 1 ? '1 (easiest)' : d === 5 ? '5 (hardest)' : String(d),
}))

/** The draws as the API takes them, or the messages of what is wrong with them (by field name). */
export function buildDraws(drafts: readonly DrawDraft[]): { draws: Draw[]; errors: FieldErrors } {
  const errors: FieldErrors = {}
  const draws: Draw[] = []
  if (!drafts.length) errors['policy.draws'] = 'Add at least one draw.'
  drafts.forEach((d, i) => {
    const count = Number(d.count)
    if (!d.count.trim() || !Number.isInteger(count) || count < 1 || count > MAX_QUIZ_QUESTIONS)
      errors[`policy.draws.${i}.count`] = `Enter a whole number from 1 to ${MAX_QUIZ_QUESTIONS}.`
    if (d.min > d.max) errors[`policy.draws.${i}.difficulty_max`] = 'The highest difficulty cannot be below the lowest.'
    draws.push({ skills: d.skills, difficulty_min: d.min, difficulty_max: d.max, count })
  })
  const total = draws.reduce((n, d) => n + (Number.isInteger(d.count) ? d.count : 0), 0)
  if (!errors['policy.draws'] && total > MAX_QUIZ_QUESTIONS)
    errors['policy.draws'] = `The draws add up to ${total} questions; a quiz asks at most ${MAX_QUIZ_QUESTIONS}.`
  return { draws, errors }
}

/** Every field name of the draws the form can show an error next to (the server's `loc`s). */
export function drawFields(count: number): string[] {
  const fields = ['policy', 'policy.draws']
  for (let i = 0; i < count; i++)
    fields.push(`policy.draws.${i}`, `policy.draws.${i}.count`, `policy.draws.${i}.skills`, `policy.draws.${i}.difficulty_min`, `policy.draws.${i}.difficulty_max`)
  return fields
}

/** "Value error, draws add up to…" (pydantic's wording for a model check) as a sentence. */
export function plainMessage(message: string | undefined): string | undefined {
  if (!message) return message
  const text = message.replace(/^value error,\s*/i, '')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function DrawsEditor({
  draws,
  onChange,
  skills,
  bank,
  mode,
  errors,
}: {
  draws: readonly DrawDraft[]
  onChange: (draws: DrawDraft[]) => void
  skills: readonly SkillChoice[]
  /** The course's whole bank, to say how many questions each draw picks from; undefined while it loads. */
  bank: readonly BankQuestion[] | undefined
  mode: Policy['mode']
  errors: FieldErrors
}) {
  const update = (key: number, change: Partial<DrawDraft>) => onChange(draws.map((d) => (d.key === key ? { ...d, ...change } : d)))
  const total = draws.reduce((n, d) => n + (Number.isInteger(Number(d.count)) ? Number(d.count) : 0), 0)
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        Each attempt picks its own questions at random from the bank, draw by draw, never the same question twice.
      </p>
      <ol className="space-y-3">
        {draws.map((d, i) => {
          const name = `Draw ${i + 1}`
          const rowError = plainMessage(errors[`policy.draws.${i}`] ?? errors[`policy.draws.${i}.skills`])
          const wanted = Number(d.count)
          const matching = bank?.filter((q) => matchesDraw(q, { skills: d.skills, difficulty_min: d.min, difficulty_max: d.max, count: 1 }, mode)).length
          return (
            <li key={d.key}>
              <fieldset className="space-y-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
                <legend className="px-1 text-sm font-semibold">{name}</legend>
                {skills.length === 0 && (
                  <p className="text-sm text-slate-700 dark:text-slate-300">The course has no skills yet: this draw picks from every skill.</p>
                )}
                <SkillPicker
                  legend="Skills"
                  hint="Questions with any of the ticked skills; none ticked: any skill."
                  skills={skills}
                  value={d.skills}
                  onChange={(slugs) => update(d.key, { skills: slugs })}
                />
                <div className="grid gap-3 sm:grid-cols-3">
                  <SelectField
                    label="Lowest difficulty"
                    value={String(d.min)}
                    options={DIFFICULTIES}
                    onChange={(e) => update(d.key, { min: Number(e.target.value) })}
                    error={plainMessage(errors[`policy.draws.${i}.difficulty_min`])}
                  />
                  <SelectField
                    label="Highest difficulty"
                    value={String(d.max)}
                    options={DIFFICULTIES}
                    onChange={(e) => update(d.key, { max: Number(e.target.value) })}
                    error={plainMessage(errors[`policy.draws.${i}.difficulty_max`])}
                  />
                  <Field
                    label="Questions to draw"
                    inputMode="numeric"
                    value={d.count}
                    onChange={(e) => update(d.key, { count: e.target.value })}
                    error={plainMessage(errors[`policy.draws.${i}.count`])}
                  />
                </div>
                {matching !== undefined && (
                  <p className="text-sm" aria-live="polite">
                    {matching === 1 ? '1 question of the bank matches' : `${matching} questions of the bank match`}
                    {Number.isInteger(wanted) && wanted > matching ? (
                      <span className="font-medium text-amber-800 dark:text-amber-300">
                        {' '}
                        — fewer than {wanted}: this draw will ask {matching === 0 ? 'none' : `only ${matching}`}.
                      </span>
                    ) : (
                      '.'
                    )}
                  </p>
                )}
                {rowError && (
                  <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">
                    {rowError}
                  </p>
                )}
                <Button variant="ghost" onClick={() => onChange(draws.filter((other) => other.key !== d.key))}>
                  Remove draw {i + 1}
                </Button>
              </fieldset>
            </li>
          )
        })}
      </ol>
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" disabled={draws.length >= MAX_DRAWS} onClick={() => onChange([...draws, newDraw()])}>
          Add a draw
        </Button>
        <span className="text-sm text-slate-700 dark:text-slate-300">
          {draws.length > 0 && `Up to ${total} question${total === 1 ? '' : 's'} an attempt.`}
          {draws.length >= MAX_DRAWS && ` A quiz has at most ${MAX_DRAWS} draws.`}
        </span>
      </div>
    </div>
  )
}
