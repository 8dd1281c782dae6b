/** Answers as the API takes them, and as a person reads them back in a review. */
import type { Answer, QuestionView } from './api'

type Raw = Record<string, unknown> | null | undefined

/** A saved answer (or a model answer) as the typed answer of its question. */
export function asAnswer(view: QuestionView, raw: Raw): Answer | null {
  if (!raw || raw.type !== view.type) return null
  return raw as unknown as Answer
}

/** Whether the learner has given anything yet (an empty answer counts as not answered). */
export function isAnswered(answer: Answer | null | undefined): boolean {
  if (!answer) return false
  switch (answer.type) {
    case 'single_choice':
      return Boolean(answer.choice)
    case 'multiple_choice':
      return (answer.choices ?? []).length > 0
    case 'true_false':
      return answer.value != null
    case 'numeric':
      return Boolean(answer.value?.trim())
    case 'short_text':
    case 'free_text':
      return Boolean(answer.text?.trim())
    case 'ordering':
      return (answer.order ?? []).length > 0
    case 'matching':
      return Object.keys(answer.matches ?? {}).length > 0
  }
}

function optionText(view: QuestionView, id: string): string {
  return (view.options ?? []).find((o) => o.id === id)?.text ?? id
}

/** The answer in words: choice texts rather than ids, items in order, pairs as "prompt → answer". */
export function describeAnswer(view: QuestionView, raw: Raw): string {
  const answer = asAnswer(view, raw)
  if (!answer || !isAnswered(answer)) return 'Not answered'
  switch (answer.type) {
    case 'single_choice':
      return optionText(view, answer.choice ?? '')
    case 'multiple_choice':
      return (answer.choices ?? []).map((id) => optionText(view, id)).join('; ')
    case 'true_false':
      return answer.value ? 'True' : 'False'
    case 'numeric':
      return answer.value ?? ''
    case 'short_text':
    case 'free_text':
      return answer.text ?? ''
    case 'ordering':
      return (answer.order ?? []).map((id) => optionText(view, id)).join(' → ')
    case 'matching':
      return (view.prompts ?? []).map((p) => `${p.text} → ${answer.matches?.[p.id ?? ''] ?? '—'}`).join('; ')
  }
}
