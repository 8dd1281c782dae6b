/** A mentor's lesson editor: Markdown on one side, the server's rendering of it on the other. */
import { type FormEvent, useId, useState } from 'react'
import { Link, useParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Field, FormError } from '@/components/Field'
import { Page } from '@/components/Page'
import { Prose } from '@/components/Prose'
import { SkillPicker } from '@/components/SkillPicker'
import { PageSpinner, Spinner } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { type Lesson, useLesson, usePreview, useSkills, useUpdateLesson } from './api'

function LessonForm({ lesson }: { lesson: Lesson }) {
  const update = useUpdateLesson(lesson.id)
  const preview = usePreview()
  const toast = useToast()
  const bodyId = useId()
  const [title, setTitle] = useState(lesson.title)
  const [body, setBody] = useState(lesson.body)
  const [minutes, setMinutes] = useState(lesson.estimated_minutes ? String(lesson.estimated_minutes) : '')
  const [published, setPublished] = useState(lesson.published)
  const [skills, setSkills] = useState<string[]>(lesson.skills)
  const courseSkills = useSkills(lesson.course_id)
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  // What the preview shows: the saved rendering until the author asks for a fresh one.
  const [html, setHtml] = useState(lesson.body_html)
  const stale = preview.isPending || body !== lesson.body

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    const m = minutes.trim() ? Number(minutes) : null
    const fields: Record<string, string> = {}
    if (!title.trim()) fields.title = 'Give the lesson a title.'
    if (m !== null && (!Number.isInteger(m) || m < 1 || m > 600)) fields.estimated_minutes = 'Enter whole minutes from 1 to 600.'
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    update.mutate(
      { title: title.trim(), body, published, estimated_minutes: m, skills },
      {
        onSuccess: (saved) => {
          setHtml(saved.body_html)
          toast.success('Lesson saved.')
        },
        onError: (error) => setErrors(formErrors(error, ['title', 'body', 'estimated_minutes'])),
      },
    )
  }

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-4">
      <FormError message={errors.form} />
      <div className="grid gap-3 sm:grid-cols-[1fr_12rem]">
        <Field label="Lesson title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} error={errors.fields.title} />
        <Field
          label="Estimated minutes"
          inputMode="numeric"
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
          error={errors.fields.estimated_minutes}
        />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor={bodyId} className="block text-sm font-medium">
            Lesson text (Markdown)
          </label>
          <textarea
            id={bodyId}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            maxLength={100_000}
            rows={18}
            aria-invalid={errors.fields.body ? true : undefined}
            aria-describedby={`${bodyId}-hint`}
            className="block w-full rounded-lg border border-slate-400 bg-white px-3 py-2 font-mono text-sm dark:border-slate-500 dark:bg-slate-900"
          />
          <p id={`${bodyId}-hint`} className="text-sm text-slate-600 dark:text-slate-400">
            {errors.fields.body ?? 'Headings, lists, tables, code blocks, links and images by URL. Raw HTML is not allowed.'}
          </p>
        </div>
        <section aria-labelledby={`${bodyId}-preview`} className="space-y-1">
          <div className="flex items-center justify-between gap-2">
            <h2 id={`${bodyId}-preview`} className="text-sm font-medium">
              Preview {preview.isPending && <Spinner label="Rendering the preview" />}
            </h2>
            <Button
              variant="secondary"
              className="min-h-8 px-3 py-1"
              onClick={() =>
                preview.mutate(body, { onSuccess: setHtml, onError: (error) => toast.error(errorMessage(error)) })
              }
            >
              Update preview
            </Button>
          </div>
          <div
            aria-live="polite"
            aria-busy={preview.isPending}
            className="min-h-40 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
          >
            <Prose html={html} label="Lesson preview" />
          </div>
          {stale && !preview.data && <p className="text-sm text-slate-600 dark:text-slate-400">Showing the saved version.</p>}
        </section>
      </div>
      <SkillPicker skills={courseSkills.data ?? []} value={skills} onChange={setSkills} />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={published} onChange={(e) => setPublished(e.target.checked)} className="size-4" />
        Published (learners enrolled in a published course can read it)
      </label>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" pending={update.isPending}>
          Save lesson
        </Button>
        <ButtonLink variant="secondary" to={`/lessons/${lesson.id}`}>
          Open as learner
        </ButtonLink>
      </div>
    </form>
  )
}

export default function LessonEditorPage() {
  const { lessonId = '' } = useParams()
  const lesson = useLesson(lessonId)
  if (lesson.isPending) return <PageSpinner label="Loading the lesson" />
  if (lesson.isError) return <ErrorState page message={errorMessage(lesson.error)} onRetry={() => void lesson.refetch()} />
  return (
    <Page
      title={`Edit lesson: ${lesson.data.title}`}
      description={
        <Link to={`/author/courses/${lesson.data.course_id}`} className="text-sm text-brand-700 underline dark:text-brand-300">
          Back to the course
        </Link>
      }
    >
      <LessonForm lesson={lesson.data} />
    </Page>
  )
}
