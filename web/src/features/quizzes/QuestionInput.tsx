/** The answer control of each question type, all native inputs (keyboard and screen readers for free). */
import { useId } from 'react'
import { Button } from '@/components/Button'
import type { Answer, QuestionView } from './api'

const box = 'flex cursor-pointer items-start gap-3 rounded-lg border border-slate-300 p-3 hover:bg-slate-50 has-[:checked]:border-brand-700 has-[:checked]:bg-brand-50 dark:border-slate-700 dark:hover:bg-slate-800 dark:has-[:checked]:bg-slate-800'
const input = 'block w-full rounded-lg border border-slate-400 bg-white px-3 py-2 text-base dark:border-slate-500 dark:bg-slate-900 sm:text-sm'

export interface QuestionInputProps {
  view: QuestionView
  answer: Answer | null
  /** `immediate`: a click, saved at once; otherwise typing, saved after a pause or on leaving the field. */
  onChange: (answer: Answer, immediate: boolean) => void
  onBlur: () => void
  disabled?: boolean
  labelledBy: string
}

export function QuestionInput({ view, answer, onChange, onBlur, disabled, labelledBy }: QuestionInputProps) {
  const id = useId()
  const options = (view.options ?? []).map((o) => ({ id: o.id ?? '', text: o.text ?? '' }))
  switch (view.type) {
    case 'single_choice': {
      const chosen = answer?.type === 'single_choice' ? answer.choice : null
      return (
        <div role="radiogroup" aria-labelledby={labelledBy} className="space-y-2">
          {options.map((o) => (
            <label key={o.id} className={box}>
              <input
                type="radio"
                name={id}
                className="mt-0.5 size-4"
                checked={chosen === o.id}
                disabled={disabled}
                onChange={() => onChange({ type: 'single_choice', choice: o.id }, true)}
              />
              <span>{o.text}</span>
            </label>
          ))}
        </div>
      )
    }
    case 'multiple_choice': {
      const chosen = new Set(answer?.type === 'multiple_choice' ? answer.choices : [])
      return (
        <fieldset aria-labelledby={labelledBy} className="space-y-2">
          <p className="text-sm text-slate-700 dark:text-slate-300">Select every right answer.</p>
          {options.map((o) => (
            <label key={o.id} className={box}>
              <input
                type="checkbox"
                className="mt-0.5 size-4"
                checked={chosen.has(o.id)}
                disabled={disabled}
                onChange={(e) => {
                  const next = new Set(chosen)
                  if (e.target.checked) next.add(o.id)
                  else next.delete(o.id)
                  // Keep the question's order, whatever the order of clicks.
                  onChange({ type: 'multiple_choice', choices: options.map((x) => x.id).filter((x) => next.has(x)) }, true)
                }}
              />
              <span>{o.text}</span>
            </label>
          ))}
        </fieldset>
      )
    }
    case 'true_false': {
      const value = answer?.type === 'true_false' ? answer.value : null
      return (
        <div role="radiogroup" aria-labelledby={labelledBy} className="flex flex-wrap gap-2">
          {[true, false].map((v) => (
            <label key={String(v)} className={`${box} min-w-32`}>
              <input
                type="radio"
                name={id}
                className="mt-0.5 size-4"
                checked={value === v}
                disabled={disabled}
                onChange={() => onChange({ type: 'true_false', value: v }, true)}
              />
              <span>{v ? 'True' : 'False'}</span>
            </label>
          ))}
        </div>
      )
    }
    case 'numeric':
    case 'short_text': {
      const value = answer?.type === 'numeric' ? answer.value : answer?.type === 'short_text' ? answer.text : ''
      return (
        <div className="space-y-1">
          <label htmlFor={id} className="block text-sm font-medium">
            Your answer
          </label>
          <input
            id={id}
            className={input}
            value={value ?? ''}
            disabled={disabled}
            inputMode={view.type === 'numeric' ? 'decimal' : undefined}
            maxLength={view.type === 'numeric' ? 64 : 1000}
            autoComplete="off"
            aria-describedby={(view.units ?? []).length ? `${id}-units` : undefined}
            onBlur={onBlur}
            onChange={(e) =>
              onChange(
                view.type === 'numeric' ? { type: 'numeric', value: e.target.value } : { type: 'short_text', text: e.target.value },
                false,
              )
            }
          />
          {(view.units ?? []).length > 0 && (
            <p id={`${id}-units`} className="text-sm text-slate-700 dark:text-slate-300">
              Units you may write: {(view.units ?? []).join(', ')}
            </p>
          )}
        </div>
      )
    }
    case 'free_text': {
      const value = answer?.type === 'free_text' ? answer.text : ''
      return (
        <div className="space-y-1">
          <label htmlFor={id} className="block text-sm font-medium">
            Your answer
          </label>
          <textarea
            id={id}
            rows={6}
            className={input}
            value={value ?? ''}
            disabled={disabled}
            maxLength={20_000}
            onBlur={onBlur}
            onChange={(e) => onChange({ type: 'free_text', text: e.target.value }, false)}
          />
        </div>
      )
    }
    case 'ordering': {
      const order = answer?.type === 'ordering' && answer.order?.length ? answer.order : options.map((o) => o.id)
      const move = (from: number, to: number) => {
        const next = [...order]
        const [item] = next.splice(from, 1)
        next.splice(to, 0, item!)
        onChange({ type: 'ordering', order: next }, true)
      }
      return (
        <ol aria-labelledby={labelledBy} className="space-y-2">
          {order.map((itemId, index) => {
            const text = options.find((o) => o.id === itemId)?.text ?? itemId
            return (
              <li key={itemId} className="flex items-center gap-2 rounded-lg border border-slate-300 p-2 dark:border-slate-700">
                <span className="w-6 text-center font-semibold">{index + 1}</span>
                <span className="flex-1">{text}</span>
                <Button variant="ghost" className="px-2" disabled={disabled || index === 0} aria-label={`Move “${text}” up`} onClick={() => move(index, index - 1)}>
                  ↑
                </Button>
                <Button
                  variant="ghost"
                  className="px-2"
                  disabled={disabled || index === order.length - 1}
                  aria-label={`Move “${text}” down`}
                  onClick={() => move(index, index + 1)}
                >
                  ↓
                </Button>
              </li>
            )
          })}
        </ol>
      )
    }
    case 'matching': {
      const matches = answer?.type === 'matching' ? (answer.matches ?? {}) : {}
      return (
        <div className="space-y-2">
          {(view.prompts ?? []).map((p) => (
            <div key={p.id} className="grid gap-1 sm:grid-cols-2 sm:items-center">
              <label htmlFor={`${id}-${p.id}`} className="text-sm font-medium">
                {p.text}
              </label>
              <select
                id={`${id}-${p.id}`}
                className={input}
                value={matches[p.id ?? ''] ?? ''}
                disabled={disabled}
                onChange={(e) => {
                  const next = { ...matches, [p.id ?? '']: e.target.value }
                  if (!e.target.value) delete next[p.id ?? '']
                  onChange({ type: 'matching', matches: next }, true)
                }}
              >
                <option value="">Choose…</option>
                {(view.answers ?? []).map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </div>
          ))}
        </div>
      )
    }
    default:
      return <p className="text-sm">This question type cannot be answered here.</p>
  }
}
