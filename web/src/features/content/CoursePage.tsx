/** One course as a learner sees it: summary, enrolment, and the outline with progress. */
import { Link, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { BookIcon } from '@/components/icons'
import { Card, Page } from '@/components/Page'
import { PageSpinner, SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { useCourse, useEnrolSelf, useOutline } from './api'

export default function CoursePage() {
  const { courseId = '' } = useParams()
  const { role } = useAuth()
  const mentor = role === 'mentor' || role === 'org_admin'
  const course = useCourse(courseId)
  const canRead = mentor || course.data?.enrolled === true
  const outline = useOutline(courseId, canRead)
  const enrol = useEnrolSelf()
  const toast = useToast()

  if (course.isPending) return <PageSpinner label="Loading the course" />
  if (course.isError) return <ErrorState page message={errorMessage(course.error)} onRetry={() => void course.refetch()} />
  const c = course.data
  const done = outline.data ? outline.data.lessons_completed : 0
  const total = outline.data ? outline.data.lessons_total : 0
  const next = outline.data?.modules.flatMap((m) => m.lessons).find((lesson) => !lesson.completed_at)

  return (
    <Page
      title={c.title}
      description={c.summary}
      actions={
        <div className="flex flex-wrap gap-2">
          {mentor && (
            <ButtonLink variant="secondary" to={`/author/courses/${c.id}`}>
              Edit course
            </ButtonLink>
          )}
          <ButtonLink variant="secondary" to={`/quizzes?course=${c.id}`}>
            Quizzes
          </ButtonLink>
        </div>
      }
    >
      {!canRead && (
        <Card title="Join this course" description="Enrol to read its lessons and take its quizzes.">
          {c.self_enrol ? (
            <Button
              pending={enrol.isPending}
              onClick={() =>
                enrol.mutate(c.id, {
                  onSuccess: () => toast.success(`You are enrolled in ${c.title}.`),
                  onError: (error) => toast.error(errorMessage(error)),
                })
              }
            >
              Enrol
            </Button>
          ) : (
            <p className="text-sm">A mentor enrols learners in this course.</p>
          )}
        </Card>
      )}
      {canRead && outline.isPending && <SkeletonRows rows={4} label="Loading the outline" />}
      {outline.isError && <ErrorState message={errorMessage(outline.error)} onRetry={() => void outline.refetch()} />}
      {outline.data && (
        <>
          <div className="space-y-2">
            <p className="text-sm font-medium" id="progress-label">
              {done} of {total} lessons completed
            </p>
            <progress
              aria-labelledby="progress-label"
              className="h-2 w-full accent-brand-700"
              max={Math.max(total, 1)}
              value={done}
            />
            {next && <ButtonLink to={`/lessons/${next.id}`}>{done ? 'Continue' : 'Start'}: {next.title}</ButtonLink>}
          </div>
          {outline.data.modules.length === 0 && (
            <EmptyState icon={<BookIcon />} title="No lessons yet" message="Lessons will appear here once they are written." />
          )}
          {outline.data.modules.map((module) => (
            <Card key={module.id} title={module.title} description={module.summary}>
              {module.lessons.length === 0 ? (
                <p className="text-sm text-slate-700 dark:text-slate-300">No lessons in this module yet.</p>
              ) : (
                <ol className="divide-y divide-slate-200 dark:divide-slate-800">
                  {module.lessons.map((lesson) => (
                    <li key={lesson.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                      <Link to={`/lessons/${lesson.id}`} className="font-medium text-brand-700 hover:underline dark:text-brand-300">
                        {lesson.title}
                      </Link>
                      <span className="text-sm text-slate-700 dark:text-slate-300">
                        {lesson.completed_at ? '✓ Completed' : lesson.opened_at ? 'Started' : ''}
                        {lesson.estimated_minutes ? ` · ${lesson.estimated_minutes} min` : ''}
                        {!lesson.published ? ' · Draft' : ''}
                      </span>
                    </li>
                  ))}
                </ol>
              )}
            </Card>
          ))}
        </>
      )}
    </Page>
  )
}
