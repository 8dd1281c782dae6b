/** For mentors, under a free-text answer: the AI grader's status, score and reasons, and overriding its score. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api, type GetResult } from '@/api/client'
import { errorMessage, unwrap } from '@/api/problem'
import { Button } from '@/components/Button'
import { Field } from '@/components/Field'
import { useToast } from '@/components/Toast'

export type AIGrade = GetResult<'/api/v1/attempts/{attempt_id}/ai-grades'>[number]

const POLL_MS = 5000

function percentOf(score: number | null | undefined): string {
  return score == null ? '—' : `${Math.round(score * 100)} %`
}

export const aiGradesQueryOptions = (attemptId: string) =>
  queryOptions({
    // Under `quizzes`: a mentor's grade (which invalidates every quiz query) refreshes it too.
    queryKey: ['quizzes', 'ai-grades', attemptId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/attempts/{attempt_id}/ai-grades', { params: { path: { attempt_id: attemptId } }, signal })),
  })

/** The attempt's AI grades; asked again every few seconds while one is still being graded. */
export function useAIGrades(attemptId: string) {
  return useQuery({
    ...aiGradesQueryOptions(attemptId),
    refetchInterval: (query) => (query.state.data?.some((g) => g.status === 'queued') ? POLL_MS : false),
  })
}

export function useOverrideAIGrade(attemptId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ questionId, score, feedback }: { questionId: string; score: number; feedback: string }) =>
      unwrap(
        await api.PUT('/api/v1/attempts/{attempt_id}/answers/{question_id}/ai-grade/override', {
          params: { path: { attempt_id: attemptId, question_id: questionId } },
          body: { score, feedback: feedback.trim() || null },
        }),
      ),
    // The attempt's score and the answer's status change with it.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['quizzes'] }),
  })
}

/** What the grade's status means for the mentor, in a sentence. */
export function aiGradeSummary(grade: AIGrade): string {
  switch (grade.status) {
    case 'queued':
      return 'The AI is grading this answer…'
    case 'graded':
      return `The AI gave ${percentOf(grade.score)}.`
    case 'failed':
      return 'The AI could not grade this answer: it waits for your grade.'
    case 'unavailable':
      return 'No AI grader is set up for this organisation: grade the answer yourself.'
    case 'skipped':
      return 'A mentor graded this answer before the AI did.'
    case 'overridden':
      return grade.score == null
        ? `A mentor gave ${percentOf(grade.override_score)} instead of the AI.`
        : `The AI gave ${percentOf(grade.score)}; a mentor changed it to ${percentOf(grade.override_score)}.`
    default:
      return `AI grade: ${grade.status}.`
  }
}

function OverrideForm({ attemptId, grade, onDone }: { attemptId: string; grade: AIGrade; onDone: () => void }) {
  const override = useOverrideAIGrade(attemptId)
  const toast = useToast()
  const start = grade.override_score ?? grade.answer_score ?? grade.score
  const [score, setScore] = useState(start == null ? '' : String(Math.round(start * 100)))
  const [feedback, setFeedback] = useState('')
  const [error, setError] = useState<string | undefined>()

  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    const n = Number(score.replace(',', '.'))
    if (!score.trim() || !Number.isFinite(n) || n < 0 || n > 100) return setError('Enter a score from 0 to 100.')
    setError(undefined)
    try {
      await override.mutateAsync({ questionId: grade.question_id, score: n / 100, feedback })
      toast.success('Your grade replaces the AI’s.')
      onDone()
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  return (
    <form noValidate onSubmit={(e) => void onSubmit(e)} className="grid gap-2 sm:grid-cols-[8rem_1fr_auto] sm:items-end">
      <Field label="Your score (%)" inputMode="decimal" value={score} onChange={(e) => setScore(e.target.value)} error={error} />
      <Field label="Feedback to the learner" value={feedback} maxLength={5000} onChange={(e) => setFeedback(e.target.value)} />
      <div className="flex gap-2">
        <Button type="submit" pending={override.isPending}>
          Save my grade
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

/** Whether the mentor grades this answer through the AI panel's override (then no other grade form is shown). */
export function canOverrideAI(grade: AIGrade | undefined): grade is AIGrade {
  return grade != null && grade.status !== 'unavailable' && grade.status !== 'skipped'
}

/** Renders nothing for an answer the AI does not grade (every type but free text). */
export function AIGradePanel({ attemptId, questionId }: { attemptId: string; questionId: string }) {
  const grades = useAIGrades(attemptId)
  const [editing, setEditing] = useState(false)
  const grade = grades.data?.find((g) => g.question_id === questionId)
  if (!grade) return null
  const canOverride = canOverrideAI(grade)
  return (
    <section
      aria-label="AI grade"
      className="space-y-2 rounded-lg border border-violet-200 bg-violet-50 p-3 text-sm dark:border-violet-900 dark:bg-violet-950/40"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p>
          <span className="font-semibold">AI grade · </span>
          <span aria-live="polite">{aiGradeSummary(grade)}</span>
        </p>
        {grade.model && <span className="text-xs text-slate-700 dark:text-slate-300">{grade.model}</span>}
      </div>
      {grade.reasons.length > 0 && (
        <ul aria-label="The AI's reasons" className="list-disc space-y-1 pl-5">
          {grade.reasons.map((reason, i) => (
            <li key={i}>{reason}</li>
          ))}
        </ul>
      )}
      {grade.status === 'failed' && grade.error && <p className="text-xs text-slate-700 dark:text-slate-300">Why: {grade.error}</p>}
      {canOverride &&
        (editing ? (
          <OverrideForm attemptId={attemptId} grade={grade} onDone={() => setEditing(false)} />
        ) : (
          <Button variant="secondary" onClick={() => setEditing(true)}>
            {grade.status === 'overridden' ? 'Change your grade' : 'Override the AI’s grade'}
          </Button>
        ))}
    </section>
  )
}
