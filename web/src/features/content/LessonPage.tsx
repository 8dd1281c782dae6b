/** The lesson reader: the server-rendered lesson, marked opened on arrival, completed on request. */
import { useEffect } from 'react'
import { Link, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { Prose } from '@/components/Prose'
import { PageSpinner } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { useLesson, useLessonProgress, useOutline } from './api'

export default function LessonPage() {
  const { lessonId = '' } = useParams()
  const { role } = useAuth()
  const mentor = role === 'mentor' || role === 'org_admin'
  const lesson = useLesson(lessonId)
  const outline = useOutline(lesson.data?.course_id ?? '', Boolean(lesson.data))
  const { open, complete } = useLessonProgress(lessonId)
  const toast = useToast()
  const openLesson = open.mutate

  useEffect(() => {
    if (lesson.data && !mentor) openLesson()
  }, [lesson.data, mentor, openLesson])

  if (lesson.isPending) return <PageSpinner label="Loading the lesson" />
  if (lesson.isError) return <ErrorState page message={errorMessage(lesson.error)} onRetry={() => void lesson.refetch()} />
  const l = lesson.data
  const all = outline.data?.modules.flatMap((m) => m.lessons) ?? []
  const index = all.findIndex((x) => x.id === l.id)
  const next = index >= 0 ? all[index + 1] : undefined
  const completed = Boolean(l.completed_at || complete.data?.completed_at)

  return (
    <Page
      title={l.title}
      description={
        <Link to={`/courses/${l.course_id}`} className="text-sm text-brand-700 underline dark:text-brand-300">
          {outline.data?.course.title ?? 'Back to the course'}
        </Link>
      }
      actions={
        mentor && (
          <ButtonLink variant="secondary" to={`/author/lessons/${l.id}`}>
            Edit lesson
          </ButtonLink>
        )
      }
    >
      <article className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <Prose html={l.body_html} />
      </article>
      <div className="flex flex-wrap items-center gap-3">
        {completed ? (
          <p role="status" className="font-medium text-emerald-800 dark:text-emerald-300">
            ✓ Lesson completed
          </p>
        ) : (
          <Button
            pending={complete.isPending}
            onClick={() => complete.mutate(undefined, { onError: (error) => toast.error(errorMessage(error)) })}
          >
            Mark as completed
          </Button>
        )}
        {next && (
          <ButtonLink variant="secondary" to={`/lessons/${next.id}`}>
            Next: {next.title}
          </ButtonLink>
        )}
        <ButtonLink variant="secondary" to={`/mentor?lesson=${l.id}`}>
          Ask the mentor about this lesson
        </ButtonLink>
      </div>
    </Page>
  )
}
