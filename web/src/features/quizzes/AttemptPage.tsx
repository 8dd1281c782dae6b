/** Taking a quiz (answers saved as the learner goes, a timer, submit with confirmation) and its result. */
import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { cx } from '@/components/cx'
import { Dialog } from '@/components/Dialog'
import { ErrorState } from '@/components/ErrorState'
import { Field } from '@/components/Field'
import { Page } from '@/components/Page'
import { Prose } from '@/components/Prose'
import { PageSpinner, Spinner } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { asAnswer, describeAnswer, isAnswered } from './answers'
import {
  type Answer,
  type AnswerResult,
  type Attempt,
  attemptQueryOptions,
  isTimeUp,
  percent,
  saveAnswer,
  showHint,
  useAssessment,
  useAttempt,
  useGradeAnswer,
  useSubmitAttempt,
} from './api'
import { QuestionInput } from './QuestionInput'
import { AIGradePanel, canOverrideAI, useAIGrades } from './AIGradePanel'

type SaveState = 'saving' | 'saved' | 'error'
const TYPING_PAUSE_MS = 700

function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

/** Counts down to the deadline the server gave; at zero the server has submitted the attempt. */
function Timer({ secondsLeft, onExpire }: { secondsLeft: number; onExpire: () => void }) {
  const [deadline] = useState(() => Date.now() + secondsLeft * 1000)
  const [left, setLeft] = useState(secondsLeft)
  const expired = useRef(false)
  useEffect(() => {
    const timer = setInterval(() => {
      const now = (deadline - Date.now()) / 1000
      setLeft(now)
      if (now <= 0 && !expired.current) {
        expired.current = true
        onExpire()
      }
    }, 1000)
    return () => clearInterval(timer)
  }, [deadline, onExpire])
  const low = left <= 60
  const warning = left <= 60 ? 'One minute left.' : left <= 300 ? 'Five minutes left.' : ''
  return (
    <div className={cx('rounded-lg px-3 py-1.5 font-mono text-lg font-semibold', low ? 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200' : 'bg-slate-100 dark:bg-slate-800')}>
      <span className="sr-only">Time left: </span>
      <span role="timer" aria-live="off">
        {clock(left)}
      </span>
      <span className="sr-only" aria-live="assertive">
        {warning}
      </span>
    </div>
  )
}

function Feedback({ result }: { result: AnswerResult }) {
  if (!result.revealed || result.status == null) return null
  const pending = result.status === 'pending'
  return (
    <div
      className={cx(
        'space-y-1 rounded-lg border p-3 text-sm',
        pending
          ? 'border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-800'
          : result.correct
            ? 'border-emerald-300 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100'
            : 'border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100',
      )}
    >
      <p className="font-semibold">
        {pending ? 'Waiting for a mentor’s grade' : result.correct ? 'Correct' : (result.score ?? 0) > 0 ? `Partly right (${percent(result.score)})` : 'Not right'}
      </p>
      {result.feedback?.map((line, i) => <p key={i}>{line}</p>)}
      {result.explanation && <p className="whitespace-pre-line">{result.explanation}</p>}
    </div>
  )
}

/** Practice mode: hints revealed one at a time (the server counts them). */
function Hints({ attemptId, questionId, available, initial }: { attemptId: string; questionId: string; available: number; initial: string[] }) {
  const [hints, setHints] = useState(initial)
  const [pending, setPending] = useState(false)
  const toast = useToast()
  if (!available) return null
  return (
    <div className="space-y-2">
      {hints.length > 0 && (
        <ol aria-label="Hints" className="list-decimal space-y-1 pl-5 text-sm">
          {hints.map((hint, i) => (
            <li key={i}>{hint}</li>
          ))}
        </ol>
      )}
      {hints.length < available && (
        <Button
          variant="secondary"
          pending={pending}
          onClick={async () => {
            setPending(true)
            try {
              setHints((await showHint(attemptId, questionId)).hints)
            } catch (error) {
              toast.error(errorMessage(error))
            } finally {
              setPending(false)
            }
          }}
        >
          Show a hint ({available - hints.length} left)
        </Button>
      )}
    </div>
  )
}

function TakeAttempt({ attempt }: { attempt: Attempt }) {
  const queryClient = useQueryClient()
  const toast = useToast()
  const assessment = useAssessment(attempt.assessment_id)
  const submit = useSubmitAttempt(attempt.id)
  const [index, setIndex] = useState(0)
  const [confirming, setConfirming] = useState(false)
  const [answers, setAnswers] = useState<Record<string, Answer | null>>(() =>
    Object.fromEntries(attempt.questions.map((q, i) => [q.question_id, asAnswer(q, attempt.answers[i]?.answer)])),
  )
  const [results, setResults] = useState<Record<string, AnswerResult>>(() =>
    Object.fromEntries(attempt.answers.map((a) => [a.question_id, a])),
  )
  const [saving, setSaving] = useState<Record<string, SaveState>>({})
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>())
  const latest = useRef(answers)
  // Saves of one question go one after another, so an older answer never lands after a newer one.
  const chains = useRef(new Map<string, Promise<void>>())
  const timeUp = useRef(false)

  const reload = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: attemptQueryOptions(attempt.id).queryKey })
  }, [queryClient, attempt.id])

  const save = useCallback(
    (questionId: string) => {
      const pending = timers.current.get(questionId)
      if (pending) clearTimeout(pending)
      timers.current.delete(questionId)
      const answer = latest.current[questionId]
      if (!answer || timeUp.current) return chains.current.get(questionId) ?? Promise.resolve()
      setSaving((s) => ({ ...s, [questionId]: 'saving' }))
      const run = (chains.current.get(questionId) ?? Promise.resolve()).then(async () => {
        try {
          const result = await saveAnswer(attempt.id, questionId, answer)
          setResults((r) => ({ ...r, [questionId]: result }))
          setSaving((s) => ({ ...s, [questionId]: latest.current[questionId] === answer ? 'saved' : 'saving' }))
        } catch (error) {
          if (isTimeUp(error)) {
            if (!timeUp.current) toast.error('Time is up: your answers were handed in.')
            timeUp.current = true
            reload()
          } else {
            setSaving((s) => ({ ...s, [questionId]: 'error' }))
          }
        }
      })
      chains.current.set(questionId, run)
      return run
    },
    [attempt.id, reload, toast],
  )

  useEffect(() => {
    const pending = timers.current
    return () => pending.forEach((t) => clearTimeout(t))
  }, [])

  // Leaving the page with an answer not yet on the server: the browser asks first.
  const unsaved = Object.values(saving).some((s) => s !== 'saved') || timers.current.size > 0
  useEffect(() => {
    if (!unsaved) return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [unsaved])

  function onChange(questionId: string, answer: Answer, immediate: boolean) {
    latest.current = { ...latest.current, [questionId]: answer }
    setAnswers(latest.current)
    const pending = timers.current.get(questionId)
    if (pending) clearTimeout(pending)
    if (immediate) void save(questionId)
    else timers.current.set(questionId, setTimeout(() => void save(questionId), TYPING_PAUSE_MS))
  }

  async function onSubmit() {
    // Hand in only once every answer typed so far is saved.
    await Promise.all([...timers.current.keys()].map((qid) => save(qid)))
    await Promise.all(chains.current.values())
    if (timeUp.current) return
    submit.mutate(undefined, {
      onSuccess: () => setConfirming(false),
      onError: (error) => {
        setConfirming(false)
        if (isTimeUp(error)) reload()
        else toast.error(errorMessage(error))
      },
    })
  }

  const total = attempt.questions.length
  const answeredCount = attempt.questions.filter((q) => isAnswered(answers[q.question_id])).length
  const view = attempt.questions[index]!
  const qid = view.question_id
  const state = saving[qid]
  const headingId = `question-${qid}`
  const result = results[qid]

  return (
    <Page
      title={assessment.data?.title ?? 'Quiz'}
      description={`${answeredCount} of ${total} answered · your answers are saved as you go`}
      actions={attempt.seconds_left != null && <Timer secondsLeft={attempt.seconds_left} onExpire={reload} />}
    >
      <nav aria-label="Questions" className="flex flex-wrap gap-2">
        {attempt.questions.map((q, i) => {
          const done = isAnswered(answers[q.question_id])
          return (
            <button
              key={q.question_id}
              type="button"
              onClick={() => setIndex(i)}
              aria-current={i === index ? 'step' : undefined}
              aria-label={`Question ${i + 1}${done ? ', answered' : ''}`}
              className={cx(
                'size-10 rounded-lg border text-sm font-semibold',
                i === index ? 'border-brand-700 ring-2 ring-brand-700' : 'border-slate-300 dark:border-slate-700',
                done ? 'bg-brand-100 text-brand-900 dark:bg-slate-700 dark:text-white' : 'bg-white dark:bg-slate-900',
              )}
            >
              {i + 1}
            </button>
          )
        })}
      </nav>
      <section
        aria-labelledby={headingId}
        className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id={headingId} className="text-lg font-semibold">
            Question {index + 1} of {total}
          </h2>
          <span className="text-sm text-slate-700 dark:text-slate-300" aria-live="polite">
            {state === 'saving' && <Spinner label="Saving" />}
            {state === 'saving' ? ' Saving…' : state === 'saved' ? 'Saved' : ''}
          </span>
        </div>
        <Prose html={view.text_html} />
        <QuestionInput
          key={qid}
          view={view}
          answer={answers[qid] ?? null}
          labelledBy={headingId}
          onChange={(answer, immediate) => onChange(qid, answer, immediate)}
          onBlur={() => timers.current.has(qid) && void save(qid)}
          disabled={submit.isPending}
        />
        {state === 'error' && (
          <div role="alert" className="flex flex-wrap items-center gap-2 text-sm font-medium text-red-700 dark:text-red-400">
            This answer was not saved.
            <Button variant="secondary" onClick={() => void save(qid)}>
              Try again
            </Button>
          </div>
        )}
        {attempt.mode === 'practice' && (
          <Hints key={qid} attemptId={attempt.id} questionId={qid} available={view.hints_available ?? 0} initial={result?.hints ?? []} />
        )}
        {result && state !== 'saving' && <Feedback result={result} />}
      </section>
      <div className="flex flex-wrap justify-between gap-2">
        <div className="flex gap-2">
          <Button variant="secondary" disabled={index === 0} onClick={() => setIndex(index - 1)}>
            Previous
          </Button>
          <Button variant="secondary" disabled={index === total - 1} onClick={() => setIndex(index + 1)}>
            Next
          </Button>
        </div>
        <Button onClick={() => setConfirming(true)}>Submit answers</Button>
      </div>
      <Dialog
        open={confirming}
        title="Submit your answers?"
        onClose={() => setConfirming(false)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              Keep working
            </Button>
            <Button pending={submit.isPending} onClick={() => void onSubmit()}>
              Submit
            </Button>
          </>
        }
      >
        <p className="text-sm">
          You answered {answeredCount} of {total} questions.
          {answeredCount < total && ' Unanswered questions score nothing.'} You cannot change your answers afterwards.
        </p>
      </Dialog>
    </Page>
  )
}

function GradeForm({ attemptId, questionId, result }: { attemptId: string; questionId: string; result: AnswerResult }) {
  const grade = useGradeAnswer(attemptId)
  const toast = useToast()
  const [score, setScore] = useState(result.score == null ? '' : String(Math.round(result.score * 100)))
  const [feedback, setFeedback] = useState(result.mentor_feedback ?? '')
  const [error, setError] = useState<string | undefined>()
  return (
    <form
      noValidate
      className="grid gap-2 rounded-lg border border-slate-200 p-3 sm:grid-cols-[8rem_1fr_auto] sm:items-end dark:border-slate-800"
      onSubmit={(event) => {
        event.preventDefault()
        const n = Number(score)
        if (!score.trim() || !Number.isFinite(n) || n < 0 || n > 100) return setError('Enter a score from 0 to 100.')
        setError(undefined)
        grade.mutate(
          { questionId, score: n / 100, feedback },
          { onSuccess: () => toast.success('Grade saved.'), onError: (e) => toast.error(errorMessage(e)) },
        )
      }}
    >
      <Field label="Score (%)" inputMode="numeric" value={score} onChange={(e) => setScore(e.target.value)} error={error} />
      <Field label="Feedback to the learner" value={feedback} maxLength={5000} onChange={(e) => setFeedback(e.target.value)} />
      <Button type="submit" variant="secondary" pending={grade.isPending}>
        {result.status === 'pending' ? 'Grade' : 'Change grade'}
      </Button>
    </form>
  )
}

/**
 * A mentor's grading of one answer: the AI panel, and the manual grade form only when the AI panel
 * offers no override (no AI grade, no grader set up, or a mentor graded before the AI did).
 */
function MentorGrading({ attempt, questionId, result }: { attempt: Attempt; questionId: string; result: AnswerResult }) {
  const grades = useAIGrades(attempt.id)
  const viaAI = canOverrideAI(grades.data?.find((g) => g.question_id === questionId))
  return (
    <>
      <AIGradePanel attemptId={attempt.id} questionId={questionId} />
      {attempt.status === 'submitted' && !grades.isPending && !viaAI && <GradeForm attemptId={attempt.id} questionId={questionId} result={result} />}
    </>
  )
}

function AttemptResult({ attempt }: { attempt: Attempt }) {
  const { role } = useAuth()
  const mentor = role === 'mentor' || role === 'org_admin'
  const assessment = useAssessment(attempt.assessment_id)
  const revealed = attempt.answers.some((a) => a.revealed)
  const closes = assessment.data?.closes_at
  return (
    <Page
      title={`Result: ${assessment.data?.title ?? 'quiz'}`}
      description={attempt.status === 'in_progress' ? `Attempt ${attempt.number}, in progress` : `Attempt ${attempt.number}${attempt.submitted_at ? `, handed in ${new Date(attempt.submitted_at).toLocaleString()}` : ''}${attempt.auto_submitted ? ' when time was up' : ''}`}
      actions={
        <ButtonLink variant="secondary" to={`/quizzes/${attempt.assessment_id}`}>
          Back to the quiz
        </ButtonLink>
      }
    >
      {!revealed ? (
        <section aria-labelledby="score-title" className="rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="score-title" className="text-lg font-semibold">
            Your answers are in
          </h2>
          <p className="mt-1 text-sm">
            Your score and the explanations appear once the quiz closes
            {closes ? ` (${new Date(closes).toLocaleString()})` : ''}.
          </p>
        </section>
      ) : (
        <section aria-labelledby="score-title" className="rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="score-title" className="text-sm font-medium text-slate-700 dark:text-slate-300">
            Your score
          </h2>
          <p className="text-4xl font-bold">{percent(attempt.score)}</p>
          <p className="mt-1 font-semibold">
            {attempt.pending > 0
              ? `${attempt.pending} answer${attempt.pending === 1 ? '' : 's'} waiting for a mentor’s grade`
              : attempt.passed
                ? 'Passed'
                : attempt.passed === false
                  ? 'Not passed yet'
                  : ''}
          </p>
        </section>
      )}
      {revealed && (
        <ol className="space-y-4" aria-label="Questions and answers">
          {attempt.questions.map((view, i) => {
            const result = attempt.answers[i]
            const status =
              !result?.answer ? 'Not answered' : result.status === 'pending' ? 'Waiting for a grade' : result.correct ? 'Correct' : (result.score ?? 0) > 0 ? `Partly right (${percent(result.score)})` : 'Incorrect'
            return (
              <li
                key={view.question_id}
                aria-labelledby={`review-${view.question_id}`}
                className="space-y-3 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900"
              >
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <h3 id={`review-${view.question_id}`} className="font-semibold">
                    Question {i + 1}: {status}
                  </h3>
                  {result?.score != null && <span className="text-sm">{percent(result.score)}</span>}
                </div>
                <Prose html={view.text_html} />
                <dl className="grid gap-1 text-sm sm:grid-cols-[10rem_1fr]">
                  <dt className="font-medium">Your answer</dt>
                  <dd>{describeAnswer(view, result?.answer)}</dd>
                  {result?.model_answer && !result.correct && (
                    <>
                      <dt className="font-medium">Right answer</dt>
                      <dd>{describeAnswer(view, result.model_answer)}</dd>
                    </>
                  )}
                </dl>
                {result?.feedback?.map((line, j) => (
                  <p key={j} className="text-sm">
                    {line}
                  </p>
                ))}
                {result?.mentor_feedback && <p className="text-sm">Mentor: {result.mentor_feedback}</p>}
                {mentor && result?.answer && <MentorGrading attempt={attempt} questionId={view.question_id} result={result} />}
                {result?.explanation && (
                  <div className="rounded-lg bg-slate-50 p-3 text-sm dark:bg-slate-800">
                    <p className="font-medium">Explanation</p>
                    <p className="whitespace-pre-line">{result.explanation}</p>
                  </div>
                )}
              </li>
            )
          })}
        </ol>
      )}
    </Page>
  )
}

export default function AttemptPage() {
  const { attemptId = '' } = useParams()
  const { me } = useAuth()
  const attempt = useAttempt(attemptId)
  if (attempt.isPending || !me) return <PageSpinner label="Loading the quiz" />
  if (attempt.isError)
    return (
      <ErrorState
        page
        message={errorMessage(attempt.error)}
        onRetry={() => void attempt.refetch()}
        action={<Link to="/quizzes">Your quizzes</Link>}
      />
    )
  // Only its learner takes an attempt; a mentor opening someone's attempt in progress sees where it stands.
  if (attempt.data.status === 'in_progress' && attempt.data.user_id === me?.id)
    return <TakeAttempt key={attempt.data.id} attempt={attempt.data} />
  return <AttemptResult attempt={attempt.data} />
}
