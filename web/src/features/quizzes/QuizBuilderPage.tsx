/** The quiz builder: questions picked from a course's bank (a fixed list or random draws), the settings, publishing. */
import { type FormEvent, useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { Button } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Field, FormError, SelectField } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { PageSpinner, SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import {
  type Assessment,
  type BankQuestion,
  FEEDBACK_LABELS,
  type FeedbackPolicy,
  type Policy,
  useAssessment,
  useBank,
  useCourseChoices,
  useCourseSkills,
  useSaveAssessment,
} from './api'
import { buildDraws, drawFields, type DrawDraft, DrawsEditor, newDraw, plainMessage } from './DrawsEditor'

/** An instant as the `datetime-local` value of its wall-clock time in `zone`. */
export function toLocalInput(iso: string | null, zone: string): string {
  if (!iso) return ''
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00'
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`
}

const questionText = (q: BankQuestion) => String((q.question as { text?: unknown }).text ?? q.key)

interface Draft {
  courseId: string
  title: string
  description: string
  mode: 'assessment' | 'practice'
  /** A fixed list of questions, or random draws from the bank. */
  source: 'fixed' | 'draws'
  questions: string[]
  draws: DrawDraft[]
  timeLimit: string
  maxAttempts: string
  passMark: string
  feedback: FeedbackPolicy
  shuffleQuestions: boolean
  shuffleOptions: boolean
  opensAt: string
  closesAt: string
  published: boolean
}

function draftOf(a: Assessment | null, courseId: string): Draft {
  const p = a?.policy
  const zone = a?.time_zone ?? 'UTC'
  return {
    courseId: a?.course_id ?? courseId,
    title: a?.title ?? '',
    description: a?.description ?? '',
    mode: p?.mode ?? 'assessment',
    source: p?.draws?.length ? 'draws' : 'fixed',
    questions: p?.questions ?? [],
    draws: (p?.draws ?? []).map((d) => newDraw(d)),
    timeLimit: p?.time_limit_minutes ? String(p.time_limit_minutes) : '',
    maxAttempts: p?.max_attempts ? String(p.max_attempts) : '',
    passMark: String(Math.round((p?.pass_mark ?? 0.5) * 100)),
    feedback: p?.feedback_policy ?? 'after_submit',
    shuffleQuestions: p?.shuffle_questions ?? false,
    shuffleOptions: p?.shuffle_options ?? true,
    opensAt: toLocalInput(a?.opens_at ?? null, zone),
    closesAt: toLocalInput(a?.closes_at ?? null, zone),
    published: a?.published ?? false,
  }
}

function whole(text: string, min: number, max: number): number | null | undefined {
  if (!text.trim()) return null
  const n = Number(text)
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined
}

function Builder({ assessment, initialCourse }: { assessment: Assessment | null; initialCourse: string }) {
  const [draft, setDraft] = useState(() => draftOf(assessment, initialCourse))
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  const courses = useCourseChoices()
  const bank = useBank(draft.courseId)
  const skills = useCourseSkills(draft.courseId)
  const save = useSaveAssessment()
  const toast = useToast()
  const navigate = useNavigate()
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const byId = new Map(bank.data?.items.map((q) => [q.id, q]))
  const chosen = new Set(draft.questions)

  function toggle(id: string, on: boolean) {
    set('questions', on ? [...draft.questions, id] : draft.questions.filter((q) => q !== id))
  }
  function move(from: number, to: number) {
    const next = [...draft.questions]
    const [item] = next.splice(from, 1)
    next.splice(to, 0, item!)
    set('questions', next)
  }

  function chooseSource(source: Draft['source']) {
    setDraft((d) => ({ ...d, source, draws: source === 'draws' && !d.draws.length ? [newDraw()] : d.draws }))
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    const built = buildDraws(draft.draws)
    const fields: Record<string, string> = draft.source === 'draws' ? { ...built.errors } : {}
    const timeLimit = whole(draft.timeLimit, 1, 1440)
    const maxAttempts = whole(draft.maxAttempts, 1, 100)
    const passMark = whole(draft.passMark, 0, 100)
    if (!draft.courseId) fields.course_id = 'Choose the course whose questions the quiz uses.'
    if (!draft.title.trim()) fields.title = 'Give the quiz a title.'
    if (draft.source === 'fixed' && !draft.questions.length) fields['policy.questions'] = 'Pick at least one question.'
    if (timeLimit === undefined) fields['policy.time_limit_minutes'] = 'Enter whole minutes from 1 to 1440, or leave empty.'
    if (maxAttempts === undefined) fields['policy.max_attempts'] = 'Enter a number from 1 to 100, or leave empty.'
    if (passMark === undefined || passMark === null) fields['policy.pass_mark'] = 'Enter a percentage from 0 to 100.'
    if (draft.opensAt && draft.closesAt && draft.closesAt <= draft.opensAt) fields.closes_at = 'The quiz must close after it opens.'
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    const policy: Policy = {
      mode: draft.mode,
      ...(draft.source === 'fixed' ? { questions: draft.questions } : { draws: built.draws }),
      time_limit_minutes: timeLimit ?? null,
      max_attempts: maxAttempts ?? null,
      pass_mark: (passMark ?? 50) / 100,
      feedback_policy: draft.feedback,
      shuffle_questions: draft.shuffleQuestions,
      shuffle_options: draft.shuffleOptions,
    }
    const common = {
      title: draft.title.trim(),
      description: draft.description.trim(),
      policy,
      published: draft.published,
      opens_at: draft.opensAt || null,
      closes_at: draft.closesAt || null,
    }
    save.mutate(
      assessment ? { id: assessment.id, update: common } : { id: null, create: { ...common, course_id: draft.courseId } },
      {
        onSuccess: (saved) => {
          toast.success(saved.published ? 'Quiz saved and assigned to the course’s learners.' : 'Quiz saved as a draft.')
          navigate(`/quizzes/${saved.id}`)
        },
        onError: (error) =>
          setErrors(
            formErrors(error, [
              'title',
              'description',
              'course_id',
              'opens_at',
              'closes_at',
              'policy.questions',
              'policy.time_limit_minutes',
              'policy.max_attempts',
              'policy.pass_mark',
              ...drawFields(draft.draws.length),
            ]),
          ),
      },
    )
  }

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-6">
      <FormError message={errors.form} />
      <Card title="About">
        <div className="space-y-3">
          <SelectField
            label="Course"
            value={draft.courseId}
            disabled={Boolean(assessment)}
            error={errors.fields.course_id}
            // Questions and skills belong to a course: another course starts both afresh.
            onChange={(e) =>
              setDraft((d) => ({ ...d, courseId: e.target.value, questions: [], draws: d.draws.map((w) => ({ ...w, skills: [] })) }))
            }
            options={[{ value: '', label: 'Choose a course' }, ...(courses.data?.items ?? []).map((c) => ({ value: c.id, label: c.title }))]}
          />
          <Field label="Quiz title" value={draft.title} maxLength={200} onChange={(e) => set('title', e.target.value)} error={errors.fields.title} />
          <Field
            label="Description"
            value={draft.description}
            maxLength={2000}
            onChange={(e) => set('description', e.target.value)}
            error={errors.fields.description}
          />
          <SelectField
            label="Mode"
            value={draft.mode}
            onChange={(e) => set('mode', e.target.value as Draft['mode'])}
            options={[
              { value: 'assessment', label: 'Assessment (graded, with limits)' },
              { value: 'practice', label: 'Practice (instant feedback and hints, no limits)' },
            ]}
          />
        </div>
      </Card>

      <Card
        title="Questions"
        description={
          draft.source === 'fixed'
            ? 'Tick questions from the course’s bank; the quiz asks them in the order below.'
            : 'Describe what to draw from the course’s bank; every attempt gets its own questions.'
        }
      >
        <fieldset className="mb-4">
          <legend className="mb-1 text-sm font-medium">How the questions are chosen</legend>
          <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
            <label className="flex items-center gap-2">
              <input type="radio" name="source" className="size-4" checked={draft.source === 'fixed'} onChange={() => chooseSource('fixed')} />
              Fixed list of questions
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="source" className="size-4" checked={draft.source === 'draws'} onChange={() => chooseSource('draws')} />
              Random draw from the question bank
            </label>
          </div>
        </fieldset>
        {!draft.courseId && <p className="text-sm">Choose a course first.</p>}
        {draft.courseId && bank.isPending && <SkeletonRows rows={3} label="Loading the question bank" />}
        {bank.isError && <ErrorState message={errorMessage(bank.error)} onRetry={() => void bank.refetch()} />}
        {bank.data && bank.data.items.length === 0 && (
          <p className="text-sm">
            This course has no questions yet.{' '}
            <Link className="underline" to={`/author/courses/${draft.courseId}/questions`}>
              Add some to its bank
            </Link>
            .
          </p>
        )}
        {draft.source === 'draws' && draft.courseId && (
          <DrawsEditor
            draws={draft.draws}
            onChange={(draws) => set('draws', draws)}
            skills={skills.data ?? []}
            bank={bank.data?.items}
            mode={draft.mode}
            errors={errors.fields}
          />
        )}
        {draft.source === 'fixed' && bank.data && bank.data.items.length > 0 && (
          <div className="grid gap-4 lg:grid-cols-2">
            <fieldset className="space-y-1">
              <legend className="mb-1 text-sm font-medium">Question bank</legend>
              <ul className="max-h-96 space-y-1 overflow-y-auto pr-1">
                {bank.data.items.map((q) => (
                  <li key={q.id}>
                    <label className="flex items-start gap-2 rounded-lg p-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
                      <input type="checkbox" className="mt-0.5 size-4" checked={chosen.has(q.id)} onChange={(e) => toggle(q.id, e.target.checked)} />
                      <span>
                        <span className="line-clamp-2">{questionText(q)}</span>
                        <span className="text-xs text-slate-600 dark:text-slate-400">
                          {q.key} · {q.type.replace('_', ' ')} · difficulty {q.difficulty}
                        </span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
            <div className="space-y-1">
              <h3 className="text-sm font-medium" id="order-title">
                In the quiz ({draft.questions.length})
              </h3>
              {draft.questions.length === 0 ? (
                <p className="text-sm text-slate-700 dark:text-slate-300">No question picked yet.</p>
              ) : (
                <ol aria-labelledby="order-title" className="space-y-1">
                  {draft.questions.map((id, i) => {
                    const q = byId.get(id)
                    const label = q ? q.key : 'an archived question'
                    return (
                      <li key={id} className="flex items-center gap-1 rounded-lg border border-slate-200 p-2 text-sm dark:border-slate-800">
                        <span className="w-6 font-semibold">{i + 1}.</span>
                        <span className="line-clamp-2 flex-1">{q ? questionText(q) : label}</span>
                        <Button variant="ghost" className="px-2" disabled={i === 0} aria-label={`Move ${label} up`} onClick={() => move(i, i - 1)}>
                          ↑
                        </Button>
                        <Button
                          variant="ghost"
                          className="px-2"
                          disabled={i === draft.questions.length - 1}
                          aria-label={`Move ${label} down`}
                          onClick={() => move(i, i + 1)}
                        >
                          ↓
                        </Button>
                        <Button variant="ghost" className="px-2" aria-label={`Remove ${label}`} onClick={() => toggle(id, false)}>
                          ✕
                        </Button>
                      </li>
                    )
                  })}
                </ol>
              )}
            </div>
          </div>
        )}
        {[draft.source === 'fixed' ? errors.fields['policy.questions'] : errors.fields['policy.draws'], errors.fields.policy]
          .filter(Boolean)
          .map((message) => (
            <p key={message} role="alert" className="mt-2 text-sm font-medium text-red-700 dark:text-red-400">
              {plainMessage(message)}
            </p>
          ))}
      </Card>

      <Card title="Settings">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            label="Time limit (minutes)"
            inputMode="numeric"
            value={draft.timeLimit}
            onChange={(e) => set('timeLimit', e.target.value)}
            hint="Empty: no time limit."
            error={errors.fields['policy.time_limit_minutes']}
          />
          <Field
            label="Attempts allowed"
            inputMode="numeric"
            value={draft.maxAttempts}
            onChange={(e) => set('maxAttempts', e.target.value)}
            hint="Empty: unlimited."
            error={errors.fields['policy.max_attempts']}
          />
          <Field
            label="Pass mark (%)"
            inputMode="numeric"
            value={draft.passMark}
            onChange={(e) => set('passMark', e.target.value)}
            error={errors.fields['policy.pass_mark']}
          />
          <SelectField
            label="Show answers and explanations"
            value={draft.feedback}
            onChange={(e) => set('feedback', e.target.value as FeedbackPolicy)}
            options={(Object.keys(FEEDBACK_LABELS) as FeedbackPolicy[]).map((value) => ({ value, label: FEEDBACK_LABELS[value] }))}
          />
          <Field
            label="Opens at"
            type="datetime-local"
            value={draft.opensAt}
            onChange={(e) => set('opensAt', e.target.value)}
            hint={`In the organisation’s time zone${assessment ? ` (${assessment.time_zone})` : ''}; empty: open now.`}
            error={errors.fields.opens_at}
          />
          <Field
            label="Closes at"
            type="datetime-local"
            value={draft.closesAt}
            onChange={(e) => set('closesAt', e.target.value)}
            hint="Empty: never closes."
            error={errors.fields.closes_at}
          />
        </div>
        <div className="mt-3 space-y-2 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" className="size-4" checked={draft.shuffleQuestions} onChange={(e) => set('shuffleQuestions', e.target.checked)} />
            Shuffle the questions for each attempt
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" className="size-4" checked={draft.shuffleOptions} onChange={(e) => set('shuffleOptions', e.target.checked)} />
            Shuffle the choices
          </label>
        </div>
      </Card>

      <Card title="Assign">
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" className="mt-0.5 size-4" checked={draft.published} onChange={(e) => set('published', e.target.checked)} />
          <span>
            <span className="font-medium">Publish to the course’s learners</span>
            <span className="block text-slate-700 dark:text-slate-300">
              Every learner enrolled in the course sees it in their quizzes (enrol learners from the course editor).
            </span>
          </span>
        </label>
      </Card>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" pending={save.isPending}>
          Save quiz
        </Button>
      </div>
    </form>
  )
}

export default function QuizBuilderPage() {
  const { assessmentId } = useParams()
  const [params] = useSearchParams()
  const existing = useAssessment(assessmentId ?? '', Boolean(assessmentId))
  if (assessmentId && existing.isPending) return <PageSpinner label="Loading the quiz" />
  if (assessmentId && existing.isError)
    return <ErrorState page message={errorMessage(existing.error)} onRetry={() => void existing.refetch()} />
  const assessment = assessmentId ? (existing.data ?? null) : null
  return (
    <Page title={assessment ? `Edit quiz: ${assessment.title}` : 'New quiz'}>
      <Builder key={assessment?.id ?? 'new'} assessment={assessment} initialCourse={params.get('course') ?? ''} />
    </Page>
  )
}
