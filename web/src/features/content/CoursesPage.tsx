/** The course catalogue: published courses to join, and the learner's own courses first. */
import { Link } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { BookIcon } from '@/components/icons'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { type Course, useCourses, useEnrolSelf } from './api'

function CourseCard({ course }: { course: Course }) {
  const enrol = useEnrolSelf()
  const toast = useToast()
  return (
    <li className="flex flex-col rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-base font-semibold">
        <Link to={`/courses/${course.id}`} className="hover:underline">
          {course.title}
        </Link>
      </h2>
      {!course.published && <p className="text-xs font-semibold uppercase text-amber-800 dark:text-amber-300">Draft</p>}
      <p className="mt-1 flex-1 text-sm text-slate-700 dark:text-slate-300">{course.summary || 'No summary yet.'}</p>
      <div className="mt-3 flex flex-wrap gap-2">
        {course.enrolled ? (
          <ButtonLink to={`/courses/${course.id}`} aria-label={`Continue ${course.title}`}>
            Continue
          </ButtonLink>
        ) : course.self_enrol && course.published ? (
          <Button
            pending={enrol.isPending}
            aria-label={`Enrol in ${course.title}`}
            onClick={() =>
              enrol.mutate(course.id, {
                onSuccess: () => toast.success(`You are enrolled in ${course.title}.`),
                onError: (error) => toast.error(errorMessage(error)),
              })
            }
          >
            Enrol
          </Button>
        ) : (
          <ButtonLink variant="secondary" to={`/courses/${course.id}`}>
            View
          </ButtonLink>
        )}
      </div>
    </li>
  )
}

export default function CoursesPage() {
  const { role } = useAuth()
  const courses = useCourses()
  const items = [...(courses.data?.items ?? [])].sort((a, b) => Number(b.enrolled) - Number(a.enrolled))
  const mentor = role === 'mentor' || role === 'org_admin'
  return (
    <Page
      title="Courses"
      description={mentor ? 'Every course of the organisation, as learners see it.' : 'Your courses and the ones you can join.'}
      actions={mentor && <ButtonLink to="/author/courses">Manage courses</ButtonLink>}
    >
      {courses.isPending && <SkeletonRows rows={4} label="Loading courses" />}
      {courses.isError && <ErrorState message={errorMessage(courses.error)} onRetry={() => void courses.refetch()} />}
      {courses.data && items.length === 0 && (
        <EmptyState
          icon={<BookIcon />}
          title="No courses yet"
          message={mentor ? 'Create a course to start teaching.' : 'Courses your mentors publish will appear here.'}
          action={mentor && <ButtonLink to="/author/courses">Create a course</ButtonLink>}
        />
      )}
      {items.length > 0 && (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {items.map((course) => (
            <CourseCard key={course.id} course={course} />
          ))}
        </ul>
      )}
    </Page>
  )
}
