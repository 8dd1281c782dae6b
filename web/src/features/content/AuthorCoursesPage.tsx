/** Mentors' course list: every course (drafts included) and a form to start a new one. */
import { type FormEvent, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { Button } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Field, FormError } from '@/components/Field'
import { BookIcon } from '@/components/icons'
import { Card, Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { errorMessage } from '@/api/problem'
import { compact, type FormErrors, formErrors, NO_ERRORS } from '@/lib/forms'
import { type Course, slugify, useCourses, useCreateCourse } from './api'

function NewCourseForm() {
  const create = useCreateCourse()
  const navigate = useNavigate()
  const [title, setTitle] = useState('')
  const [summary, setSummary] = useState('')
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    const slug = slugify(title)
    const fields = compact({ title: title.trim() ? undefined : 'Give the course a title.' })
    if (!fields.title && !slug) fields.title = 'Use some letters or digits in the title.'
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    create.mutate(
      { title: title.trim(), summary: summary.trim(), slug },
      {
        onSuccess: (course) => navigate(`/author/courses/${course.id}`),
        onError: (error) => {
          const found = formErrors(error, ['title', 'summary', 'slug'])
          if (found.fields.slug) found.fields.title = found.fields.slug
          setErrors(found)
        },
      },
    )
  }

  return (
    <Card title="New course" description="It starts as a draft: learners see it once you publish it.">
      <form noValidate onSubmit={onSubmit} className="space-y-3">
        <FormError message={errors.form} />
        <Field label="Course title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} error={errors.fields.title} />
        <Field label="Summary" value={summary} maxLength={2000} onChange={(e) => setSummary(e.target.value)} error={errors.fields.summary} />
        <Button type="submit" pending={create.isPending}>
          Create course
        </Button>
      </form>
    </Card>
  )
}

export default function AuthorCoursesPage() {
  const courses = useCourses()
  const columns: Column<Course>[] = [
    {
      key: 'title',
      header: 'Course',
      cell: (c) => (
        <Link to={`/author/courses/${c.id}`} className="font-medium text-brand-700 hover:underline dark:text-brand-300">
          {c.title}
        </Link>
      ),
    },
    { key: 'state', header: 'State', cell: (c) => (c.published ? 'Published' : 'Draft') },
    {
      key: 'links',
      header: <span className="sr-only">Links</span>,
      cell: (c) => (
        <div className="flex flex-wrap gap-3 text-sm">
          <Link className="underline" to={`/author/courses/${c.id}/questions`} aria-label={`Question bank of ${c.title}`}>
            Question bank
          </Link>
          <Link className="underline" to={`/author/quizzes?course=${c.id}`} aria-label={`Quizzes of ${c.title}`}>
            Quizzes
          </Link>
        </div>
      ),
    },
  ]
  return (
    <Page title="Course authoring" description="Write courses, build question banks and quizzes.">
      <NewCourseForm />
      {courses.isPending && <SkeletonRows rows={3} label="Loading courses" />}
      {courses.isError && <ErrorState message={errorMessage(courses.error)} onRetry={() => void courses.refetch()} />}
      {courses.data && courses.data.items.length === 0 && (
        <EmptyState icon={<BookIcon />} title="No courses yet" message="Create your first course above." />
      )}
      {courses.data && courses.data.items.length > 0 && (
        <Table caption="Courses" columns={columns} rows={courses.data.items} rowKey={(c) => c.id} />
      )}
    </Page>
  )
}
