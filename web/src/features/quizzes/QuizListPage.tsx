/** Quizzes: those assigned to the learner (published, of their courses), or every quiz for mentors. */
import { useQueries } from '@tanstack/react-query'
import { Link, useSearchParams } from 'react-router'
import { ButtonLink } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { SelectField } from '@/components/Field'
import { BookIcon } from '@/components/icons'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { errorMessage } from '@/api/problem'
import { type Assessment, type AttemptSummary, attemptsQueryOptions, percent, useAssessments, useCourseChoices } from './api'

/** Where the learner stands on a quiz, from their own attempts. */
export function standing(attempts: readonly AttemptSummary[] | undefined): string {
  if (!attempts) return '…'
  if (attempts.some((a) => a.status === 'in_progress')) return 'In progress'
  if (!attempts.length) return 'Not started'
  const scores = attempts.map((a) => a.score).filter((x): x is number => x != null)
  if (!scores.length) return 'Handed in'
  const passed = attempts.some((a) => a.passed)
  return `Best ${percent(Math.max(...scores))}${passed ? ' · passed' : ''}`
}

export function windowText(a: Assessment): string {
  const fmt = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  if (a.opens_at && a.closes_at) return `${fmt(a.opens_at)} – ${fmt(a.closes_at)}`
  if (a.opens_at) return `From ${fmt(a.opens_at)}`
  if (a.closes_at) return `Until ${fmt(a.closes_at)}`
  return 'Always open'
}

/** "3 questions", or for draws "up to 12 random questions" (a draw asks fewer when the bank has fewer). */
function questionCount(p: Assessment['policy']): string {
  if (p.questions?.length) return `${p.questions.length} question${p.questions.length === 1 ? '' : 's'}`
  const drawn = p.draws?.reduce((n, d) => n + d.count, 0) ?? 0
  return `up to ${drawn} random question${drawn === 1 ? '' : 's'}`
}

export function settingsText(a: Assessment): string {
  const p = a.policy
  const parts = [
    p.mode === 'practice' ? 'Practice' : questionCount(p),
    p.time_limit_minutes ? `${p.time_limit_minutes} min` : 'no time limit',
    p.max_attempts ? `${p.max_attempts} attempt${p.max_attempts === 1 ? '' : 's'}` : 'unlimited attempts',
  ]
  return parts.join(' · ')
}

export default function QuizListPage({ manage = false }: { manage?: boolean }) {
  const [params, setParams] = useSearchParams()
  const courseId = params.get('course')
  const quizzes = useAssessments(courseId)
  const courses = useCourseChoices()
  const courseTitle = new Map(courses.data?.items.map((c) => [c.id, c.title]))
  // Learners see their own standing on each quiz (the same cached answer the quiz page uses).
  const mine = useQueries({
    queries: (manage ? [] : (quizzes.data?.items ?? [])).map((a) => attemptsQueryOptions(a.id)),
  })
  const standingOf = new Map((manage ? [] : (quizzes.data?.items ?? [])).map((a, i) => [a.id, standing(mine[i]?.data?.items)]))

  const columns: Column<Assessment>[] = [
    {
      key: 'title',
      header: 'Quiz',
      cell: (a) => (
        <div>
          <Link
            to={manage ? `/author/quizzes/${a.id}` : `/quizzes/${a.id}`}
            className="font-medium text-brand-700 hover:underline dark:text-brand-300"
          >
            {a.title}
          </Link>
          <p className="text-xs text-slate-700 dark:text-slate-300">{a.course_id ? (courseTitle.get(a.course_id) ?? 'Course') : 'Whole organisation'}</p>
        </div>
      ),
    },
    { key: 'settings', header: 'Settings', cell: settingsText },
    { key: 'window', header: 'Open', cell: windowText },
  ]
  if (!manage) columns.push({ key: 'mine', header: 'Your result', cell: (a) => standingOf.get(a.id) ?? '…' })
  if (manage) {
    columns.push({ key: 'state', header: 'State', cell: (a) => (a.published ? 'Published' : 'Draft') })
    columns.push({
      key: 'results',
      header: <span className="sr-only">Results</span>,
      cell: (a) => (
        <Link className="text-sm underline" to={`/quizzes/${a.id}`} aria-label={`Results of ${a.title}`}>
          Results
        </Link>
      ),
    })
  }

  return (
    <Page
      title={manage ? 'Quiz builder' : 'Quizzes'}
      description={manage ? 'Build quizzes from the question banks and assign them.' : 'Quizzes assigned to you.'}
      actions={manage && <ButtonLink to={`/author/quizzes/new${courseId ? `?course=${courseId}` : ''}`}>New quiz</ButtonLink>}
    >
      {(courses.data?.items.length ?? 0) > 0 && (
        <div className="max-w-sm">
          <SelectField
            label="Course"
            value={courseId ?? ''}
            onChange={(e) => setParams(e.target.value ? { course: e.target.value } : {})}
            options={[{ value: '', label: 'All courses' }, ...(courses.data?.items ?? []).map((c) => ({ value: c.id, label: c.title }))]}
          />
        </div>
      )}
      {quizzes.isPending && <SkeletonRows rows={4} label="Loading quizzes" />}
      {quizzes.isError && <ErrorState message={errorMessage(quizzes.error)} onRetry={() => void quizzes.refetch()} />}
      {quizzes.data && quizzes.data.items.length === 0 && (
        <EmptyState
          icon={<BookIcon />}
          title="No quizzes yet"
          message={manage ? 'Build a quiz from a course’s question bank.' : 'Quizzes your mentors assign to you will appear here.'}
          action={manage && <ButtonLink to="/author/quizzes/new">New quiz</ButtonLink>}
        />
      )}
      {quizzes.data && quizzes.data.items.length > 0 && (
        <Table caption={manage ? 'All quizzes' : 'Your quizzes'} columns={columns} rows={quizzes.data.items} rowKey={(a) => a.id} />
      )}
    </Page>
  )
}
