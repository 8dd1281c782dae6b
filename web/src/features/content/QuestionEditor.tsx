/** The question form of the bank: the common fields and the answer fields of each supported type. */
import { type FormEvent, useId, useState } from 'react'
import { Button } from '@/components/Button'
import { Field, FormError, SelectField } from '@/components/Field'
import { SkillPicker } from '@/components/SkillPicker'
import { formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { QUESTION_TYPE_LABELS, type QuestionIn, type QuestionRead, type QuestionSpec, type Skill } from './api'

/** Every type of the bank, in the order the form offers them. */
export const EDITABLE_TYPES = [
  'single_choice',
  'multiple_choice',
  'true_false',
  'short_text',
  'numeric',
  'ordering',
  'matching',
  'free_text',
] as const
type EditableType = (typeof EDITABLE_TYPES)[number]

interface ChoiceDraft {
  id: string
  text: string
  correct: boolean
  feedback: string
}

interface Draft {
  type: EditableType
  title: string
  text: string
  explanation: string
  hints: string
  difficulty: string
  choices: ChoiceDraft[]
  scoring: 'right_minus_wrong' | 'all_or_nothing' | 'weighted'
  truth: boolean
  answers: string
  caseSensitive: boolean
  value: string
  tolerance: string
  rubric: string
  skills: string[]
  /** Ordering: items in the right order, one a line. */
  items: string
  /** Matching: `prompt -> answer`, one pair a line; extra answers that match nothing, one a line. */
  pairs: string
  distractors: string
}

const LETTERS = 'abcdefghijklmnopqrst'
const blankChoices = (): ChoiceDraft[] =>
  [0, 1, 2, 3].map((i) => ({ id: LETTERS[i]!, text: '', correct: i === 0, feedback: '' }))

function isEditable(type: string): type is EditableType {
  return (EDITABLE_TYPES as readonly string[]).includes(type)
}

/** A draft from a stored question (its `question` is the bank's JSON for its type). */
export function draftOf(read: QuestionRead | null): Draft {
  const q = (read?.question ?? {}) as Record<string, unknown>
  const str = (key: string) => (typeof q[key] === 'string' ? (q[key] as string) : '')
  const choices = Array.isArray(q.choices)
    ? (q.choices as Array<Record<string, unknown>>).map((c) => ({
        id: String(c.id),
        text: String(c.text ?? ''),
        correct: Boolean(c.correct),
        feedback: typeof c.feedback === 'string' ? c.feedback : '',
      }))
    : blankChoices()
  const answers = Array.isArray(q.answers) ? (q.answers as Array<Record<string, unknown>>) : []
  const numeric = answers.find((a) => a.credit === undefined || a.credit === 1) ?? answers[0]
  return {
    type: read && isEditable(read.type) ? read.type : 'single_choice',
    title: str('title'),
    text: str('text'),
    explanation: str('explanation'),
    hints: Array.isArray(q.hints) ? (q.hints as string[]).join('\n') : '',
    difficulty: String(read?.difficulty ?? 2),
    choices,
    scoring: q.scoring === 'all_or_nothing' || q.scoring === 'weighted' ? q.scoring : 'right_minus_wrong',
    truth: q.answer !== false,
    answers: read?.type === 'short_text' ? answers.map((a) => String(a.text)).join('\n') : '',
    caseSensitive: Boolean(q.case_sensitive),
    value: read?.type === 'numeric' && numeric?.value != null ? String(numeric.value) : '',
    tolerance: read?.type === 'numeric' && numeric?.tolerance != null ? String(numeric.tolerance) : '0',
    rubric: str('rubric'),
    skills: read?.skills ?? [],
    items: Array.isArray(q.items) ? (q.items as Array<{ text: string }>).map((i) => i.text).join('\n') : '',
    pairs: Array.isArray(q.pairs) ? (q.pairs as Array<{ prompt: string; answer: string }>).map((p) => `${p.prompt} -> ${p.answer}`).join('\n') : '',
    distractors: Array.isArray(q.distractors) ? (q.distractors as string[]).join('\n') : '',
  }
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)

/** Parse a decimal typed with a point or a comma. */
function number(text: string): number | null {
  const trimmed = text.trim().replace(',', '.')
  if (!trimmed || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed)) return null
  return Number(trimmed)
}

type Json = Record<string, unknown>
const without = (object: Json | undefined, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(object ?? {}).filter(([key]) => !keys.includes(key)))

/**
 * Client checks, then the bank's JSON for the draft; field errors use the API's field names.
 * `base` is the stored question of the same type: what the form does not show (choice weights,
 * true/false feedback, units, other accepted answers and their credit, wildcards…) is kept.
 */
export function buildQuestion(draft: Draft, base?: Json): { errors: Record<string, string>; spec?: QuestionSpec } {
  const errors: Record<string, string> = {}
  const kept = (key: string) => (Array.isArray(base?.[key]) ? (base[key] as Json[]) : [])
  if (!draft.text.trim()) errors['question.text'] = 'Write the question.'
  const common = {
    text: draft.text,
    explanation: draft.explanation,
    hints: lines(draft.hints),
    difficulty: Number(draft.difficulty),
    skills: draft.skills,
    ...(draft.title.trim() ? { title: draft.title.trim() } : {}),
  }
  const choices = draft.choices
    .filter((c) => c.text.trim())
    .map((c) => ({
      ...without(kept('choices').find((k) => k.id === c.id), 'feedback'),
      id: c.id,
      text: c.text.trim(),
      correct: c.correct,
      ...(c.feedback.trim() ? { feedback: c.feedback.trim() } : {}),
    }))
  let spec: QuestionSpec | undefined
  switch (draft.type) {
    case 'single_choice':
    case 'multiple_choice': {
      if (choices.length < 2) errors['question.choices'] = 'Write at least two choices.'
      else if (draft.type === 'single_choice' && choices.filter((c) => c.correct).length !== 1)
        errors['question.choices'] = 'Mark exactly one choice as correct.'
      else if (!choices.some((c) => c.correct)) errors['question.choices'] = 'Mark at least one choice as correct.'
      spec =
        draft.type === 'single_choice'
          ? { ...common, type: 'single_choice', choices }
          : { ...common, type: 'multiple_choice', choices, scoring: draft.scoring }
      break
    }
    case 'true_false':
      spec = { ...common, type: 'true_false', answer: draft.truth }
      break
    case 'short_text': {
      const accepted = lines(draft.answers)
      if (!accepted.length) errors['question.answers'] = 'List at least one accepted answer.'
      const answers = accepted.map((text) => ({ ...kept('answers').find((k) => k.text === text), text }))
      spec = { ...common, type: 'short_text', answers, case_sensitive: draft.caseSensitive }
      break
    }
    case 'numeric': {
      const value = number(draft.value)
      const tolerance = draft.tolerance.trim() ? number(draft.tolerance) : 0
      if (value === null) errors['question.answers'] = 'Enter the right value as a number.'
      if (tolerance === null || tolerance < 0) errors['question.tolerance'] = 'Enter a tolerance of zero or more.'
      // The form edits the first fully right answer; the other accepted answers stay as they are.
      const previous = kept('answers')
      const edited = previous.find((a) => a.credit === undefined || a.credit === 1)
      const others = previous.filter((a) => a !== edited)
      const answer = { ...without(edited, 'minimum', 'maximum'), value: value ?? 0, tolerance: tolerance ?? 0 }
      spec = { ...common, type: 'numeric', answers: [answer, ...others] as Extract<QuestionSpec, { type: 'numeric' }>['answers'] }
      break
    }
    case 'ordering': {
      const items = lines(draft.items)
      if (items.length < 2) errors['question.items'] = 'List at least two items, in the right order.'
      spec = { ...common, type: 'ordering', items: items.map((text, i) => ({ id: `i${i + 1}`, text })) }
      break
    }
    case 'matching': {
      const pairs = lines(draft.pairs).map((line) => line.split('->').map((part) => part.trim()))
      if (pairs.length < 2 || pairs.some((p) => p.length !== 2 || !p[0] || !p[1]))
        errors['question.pairs'] = 'Write at least two pairs, one a line, as “prompt -> answer”.'
      spec = {
        ...common,
        type: 'matching',
        pairs: pairs.map(([prompt, answer], i) => ({ id: `p${i + 1}`, prompt: prompt ?? '', answer: answer ?? '' })),
        distractors: lines(draft.distractors),
      }
      break
    }
    case 'free_text':
      spec = { ...common, type: 'free_text', rubric: draft.rubric }
      break
  }
  if (Object.keys(errors).length) return { errors }
  return { errors, spec: { ...without(base, 'title'), ...spec! } as QuestionSpec }
}

const FIELDS = [
  'question.text',
  'question.choices',
  'question.answers',
  'question.tolerance',
  'question.items',
  'question.pairs',
  'question.explanation',
  'key',
]

export function QuestionEditor({
  question,
  skills = [],
  pending,
  onSave,
  onCancel,
}: {
  question: QuestionRead | null
  /** The course's skills, to tick those the question tests. */
  skills?: readonly Skill[]
  pending: boolean
  /** Resolves when saved; rejects with the API error, which is shown on the form. */
  onSave: (body: QuestionIn) => Promise<unknown>
  onCancel: () => void
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(question))
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  const id = useId()
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const setChoice = (index: number, patch: Partial<ChoiceDraft>) =>
    setDraft((d) => ({
      ...d,
      choices: d.choices.map((c, i) => {
        if (i === index) return { ...c, ...patch }
        // One right answer for single choice: marking one unmarks the others.
        if (patch.correct && d.type === 'single_choice') return { ...c, correct: false }
        return c
      }),
    }))

  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    const built = buildQuestion(draft, question?.type === draft.type ? (question.question as Json) : undefined)
    setErrors({ fields: built.errors, form: null })
    if (!built.spec) return
    try {
      await onSave({ question: built.spec, ...(question ? { key: question.key, category: question.category } : {}) })
    } catch (error) {
      setErrors(formErrors(error, FIELDS))
    }
  }

  const choiceKind = draft.type === 'single_choice' || draft.type === 'multiple_choice'
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-4" aria-label={question ? 'Edit question' : 'New question'}>
      <FormError message={errors.form} />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label="Question type"
          value={draft.type}
          disabled={Boolean(question)}
          hint={question ? 'The type of a saved question cannot change.' : undefined}
          onChange={(e) => set('type', e.target.value as EditableType)}
          options={EDITABLE_TYPES.map((t) => ({ value: t, label: QUESTION_TYPE_LABELS[t] }))}
        />
        <SelectField
          label="Difficulty"
          value={draft.difficulty}
          onChange={(e) => set('difficulty', e.target.value)}
          options={['1', '2', '3', '4', '5'].map((d) => ({ value: d, label: `${d}${d === '1' ? ' (easiest)' : d === '5' ? ' (hardest)' : ''}` }))}
        />
      </div>
      <TextArea
        id={`${id}-text`}
        label="Question text (Markdown)"
        value={draft.text}
        onChange={(v) => set('text', v)}
        error={errors.fields['question.text']}
        rows={3}
      />
      {choiceKind && (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">Choices {draft.type === 'single_choice' ? '(one correct)' : '(all correct ones)'}</legend>
          {draft.choices.map((choice, index) => (
            <div key={choice.id} className="grid gap-2 rounded-lg border border-slate-200 p-2 sm:grid-cols-[auto_1fr_1fr] sm:items-end dark:border-slate-800">
              <label className="flex items-center gap-2 text-sm sm:pb-2">
                <input
                  type={draft.type === 'single_choice' ? 'radio' : 'checkbox'}
                  name={`${id}-correct`}
                  checked={choice.correct}
                  onChange={(e) => setChoice(index, { correct: e.target.checked })}
                  className="size-4"
                />
                Choice {index + 1} is correct
              </label>
              <Field label={`Choice ${index + 1}`} value={choice.text} maxLength={1000} onChange={(e) => setChoice(index, { text: e.target.value })} />
              <Field
                label={`Feedback for choice ${index + 1} (optional)`}
                value={choice.feedback}
                maxLength={2000}
                onChange={(e) => setChoice(index, { feedback: e.target.value })}
              />
            </div>
          ))}
          {errors.fields['question.choices'] && (
            <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-400">
              {errors.fields['question.choices']}
            </p>
          )}
          <div className="flex flex-wrap gap-2">
            <Button
              variant="secondary"
              disabled={draft.choices.length >= 20}
              onClick={() => {
                const used = new Set(draft.choices.map((c) => c.id))
                const next = [...LETTERS].find((l) => !used.has(l)) ?? `c${draft.choices.length}`
                set('choices', [...draft.choices, { id: next, text: '', correct: false, feedback: '' }])
              }}
            >
              Add a choice
            </Button>
            {draft.type === 'multiple_choice' && (
              <div className="min-w-48">
                <SelectField
                  label="Scoring"
                  value={draft.scoring}
                  onChange={(e) => set('scoring', e.target.value as Draft['scoring'])}
                  options={[
                    { value: 'right_minus_wrong', label: 'Right minus wrong' },
                    { value: 'all_or_nothing', label: 'All or nothing' },
                    // Weights come from imports (GIFT `~%50%`); the form keeps them.
                    ...(draft.scoring === 'weighted' ? [{ value: 'weighted', label: 'Weighted (imported weights)' }] : []),
                  ]}
                />
              </div>
            )}
          </div>
        </fieldset>
      )}
      {draft.type === 'true_false' && (
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium">The statement is</legend>
          <div className="flex gap-4">
            {[true, false].map((value) => (
              <label key={String(value)} className="flex items-center gap-2 text-sm">
                <input type="radio" name={`${id}-truth`} checked={draft.truth === value} onChange={() => set('truth', value)} className="size-4" />
                {value ? 'True' : 'False'}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      {draft.type === 'short_text' && (
        <>
          <TextArea
            id={`${id}-answers`}
            label="Accepted answers (one a line)"
            value={draft.answers}
            onChange={(v) => set('answers', v)}
            error={errors.fields['question.answers']}
            hint="Compared ignoring case and extra spaces; accents count."
            rows={3}
          />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={draft.caseSensitive} onChange={(e) => set('caseSensitive', e.target.checked)} className="size-4" />
            Case matters
          </label>
        </>
      )}
      {draft.type === 'numeric' && (
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Right value" inputMode="decimal" value={draft.value} onChange={(e) => set('value', e.target.value)} error={errors.fields['question.answers']} />
          <Field
            label="Tolerance (±)"
            inputMode="decimal"
            value={draft.tolerance}
            onChange={(e) => set('tolerance', e.target.value)}
            error={errors.fields['question.tolerance']}
            hint="Answers within the value ± tolerance are right (bounds included)."
          />
        </div>
      )}
      {draft.type === 'ordering' && (
        <TextArea
          id={`${id}-items`}
          label="Items in the right order (one a line)"
          value={draft.items}
          onChange={(v) => set('items', v)}
          error={errors.fields['question.items']}
          hint="Learners get them shuffled and put them back in order."
          rows={4}
        />
      )}
      {draft.type === 'matching' && (
        <>
          <TextArea
            id={`${id}-pairs`}
            label="Pairs (one a line: prompt -> answer)"
            value={draft.pairs}
            onChange={(v) => set('pairs', v)}
            error={errors.fields['question.pairs']}
            rows={4}
          />
          <TextArea
            id={`${id}-distractors`}
            label="Extra answers that match nothing (one a line, optional)"
            value={draft.distractors}
            onChange={(v) => set('distractors', v)}
            rows={2}
          />
        </>
      )}
      {draft.type === 'free_text' && (
        <TextArea id={`${id}-rubric`} label="Rubric for mentors (Markdown)" value={draft.rubric} onChange={(v) => set('rubric', v)} rows={3} />
      )}
      <TextArea
        id={`${id}-explanation`}
        label="Explanation (shown after answering)"
        value={draft.explanation}
        onChange={(v) => set('explanation', v)}
        error={errors.fields['question.explanation']}
        rows={3}
      />
      <SkillPicker skills={skills} value={draft.skills} onChange={(v) => set('skills', v)} />
      <TextArea id={`${id}-hints`} label="Hints (one a line, for practice)" value={draft.hints} onChange={(v) => set('hints', v)} rows={2} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" pending={pending}>
          {question ? 'Save question' : 'Add question'}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

function TextArea({
  id,
  label,
  value,
  onChange,
  error,
  hint,
  rows,
}: {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
  error?: string | undefined
  hint?: string
  rows: number
}) {
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        rows={rows}
        value={value}
        maxLength={20_000}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={`block w-full rounded-lg border bg-white px-3 py-2 text-base sm:text-sm dark:bg-slate-900 ${error ? 'border-red-700 dark:border-red-400' : 'border-slate-400 dark:border-slate-500'}`}
      />
      {hint && !error && (
        <p id={`${id}-hint`} className="text-sm text-slate-600 dark:text-slate-400">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-sm font-medium text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  )
}
