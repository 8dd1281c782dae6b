/** One quiz: what it asks of the learner, their attempts and a start button; every result for mentors. */
import { Link, useNavigate, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Card, Page } from '@/components/Page'
import { PageSpinner, SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { type AttemptSummary, FEEDBACK_LABELS, percent, useAssessment, useAttempts, useMemberNames, useStartAttempt } from './api'
import { settingsText, windowText } from './QuizListPage'

export default function QuizPage() {
  const { assessmentId = '' } = useParams()
  const { role } = useAuth()
  const mentor = role === 'mentor' || role === 'org_admin'
  const quiz = useAssessment(assessmentId)
  const attempts = useAttempts(assessmentId)
  const names = useMemberNames(mentor)
  const start = useStartAttempt(assessmentId)
  const navigate = useNavigate()
  const toast = useToast()

  if (quiz.isPending) return <PageSpinner label="Loading the quiz" />
  if (quiz.isError) return <ErrorState page message={errorMessage(quiz.error)} onRetry={() => void quiz.refetch()} />
  const q = quiz.data
  const now = Date.now()
  const notOpen = q.opens_at && new Date(q.opens_at).getTime() > now
  const closed = q.closes_at && new Date(q.closes_at).getTime() <= now
  const mine = mentor ? [] : (attempts.data?.items ?? [])
  const inProgress = mine.find((a) => a.status === 'in_progress')
  const used = mine.length
  const noneLeft = q.policy.max_attempts != null && used >= q.policy.max_attempts && !inProgress

  const columns: Column<AttemptSummary>[] = [
    ...(mentor
      ? [{ key: 'who', header: 'Learner', cell: (a: AttemptSummary) => names.data?.get(a.user_id) ?? 'A member' }]
      : []),
    { key: 'number', header: 'Attempt', cell: (a) => a.number },
    {
      key: 'status',
      header: 'Status',
      cell: (a) => (a.status === 'in_progress' ? 'In progress' : a.auto_submitted ? 'Handed in (time up)' : 'Handed in'),
    },
    { key: 'score', header: 'Score', cell: (a) => (a.status === 'in_progress' ? '–' : percent(a.score)) },
    {
      key: 'passed',
      header: 'Result',
      cell: (a) => (a.pending ? `${a.pending} to grade` : a.passed == null ? '–' : a.passed ? 'Passed' : 'Not passed'),
    },
    {
      key: 'open',
      header: <span className="sr-only">Open</span>,
      cell: (a) => (
        <Link className="underline" to={`/attempts/${a.id}`} aria-label={`Open attempt ${a.number}${mentor ? ` of ${names.data?.get(a.user_id) ?? 'a member'}` : ''}`}>
          {a.status === 'in_progress' && !mentor ? 'Continue' : 'Review'}
        </Link>
      ),
    },
  ]

  function onStart() {
    start.mutate(undefined, {
      onSuccess: (attempt) => navigate(`/attempts/${attempt.id}`),
      onError: (error) => toast.error(errorMessage(error)),
    })
  }

  return (
    <Page
      title={q.title}
      description={q.description}
      actions={
        mentor && (
          <ButtonLink variant="secondary" to={`/author/quizzes/${q.id}`}>
            Edit quiz
          </ButtonLink>
        )
      }
    >
      <Card>
        <dl className="grid gap-2 text-sm sm:grid-cols-[12rem_1fr]">
          <dt className="font-medium">Settings</dt>
          <dd>{settingsText(q)}</dd>
          <dt className="font-medium">Open</dt>
          <dd>{windowText(q)}</dd>
          <dt className="font-medium">Pass mark</dt>
          <dd>{percent(q.policy.pass_mark ?? 0.5)}</dd>
          <dt className="font-medium">Answers and explanations</dt>
          <dd>{FEEDBACK_LABELS[q.policy.feedback_policy ?? 'after_submit']}</dd>
          {mentor && (
            <>
              <dt className="font-medium">State</dt>
              <dd>{q.published ? 'Published: assigned to the course’s learners' : 'Draft: learners do not see it'}</dd>
            </>
          )}
          {!mentor && (
            <>
              <dt className="font-medium">Your attempts</dt>
              <dd>
                {used}
                {q.policy.max_attempts != null ? ` of ${q.policy.max_attempts}` : ''}
              </dd>
            </>
          )}
        </dl>
        {!mentor && (
          <div className="mt-4">
            {notOpen ? (
              <p className="text-sm font-medium">This quiz opens {new Date(q.opens_at!).toLocaleString()}.</p>
            ) : closed && !inProgress ? (
              <p className="text-sm font-medium">This quiz is closed.</p>
            ) : noneLeft ? (
              <p className="text-sm font-medium">You have used all your attempts.</p>
            ) : (
              <Button pending={start.isPending} onClick={onStart}>
                {inProgress ? 'Continue the quiz' : used ? 'Try again' : 'Start the quiz'}
              </Button>
            )}
          </div>
        )}
      </Card>
      <section aria-labelledby="attempts-title" className="space-y-3">
        <h2 id="attempts-title" className="text-lg font-semibold">
          {mentor ? 'Results' : 'Your attempts'}
        </h2>
        {attempts.isPending && <SkeletonRows rows={2} label="Loading attempts" />}
        {attempts.isError && <ErrorState message={errorMessage(attempts.error)} onRetry={() => void attempts.refetch()} />}
        {attempts.data && attempts.data.items.length === 0 && (
          <p className="text-sm text-slate-700 dark:text-slate-300">{mentor ? 'Nobody has taken this quiz yet.' : 'You have not taken this quiz yet.'}</p>
        )}
        {attempts.data && attempts.data.items.length > 0 && (
          <Table caption={mentor ? 'Results' : 'Your attempts'} columns={columns} rows={attempts.data.items} rowKey={(a) => a.id} />
        )}
      </section>
    </Page>
  )
}
