/** A mentor's course editor: details and publishing, modules and lessons, and who is enrolled. */
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { Button, ButtonLink, buttonClass } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Field, FormError, SelectField } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { PageSpinner, SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import {
  type Course,
  moveLesson,
  moveLessonToModule,
  moveModule,
  type Outline,
  type OutlineModule,
  type OutlinePlan,
  slugify,
  useCourse,
  useCreateLesson,
  useCreateModule,
  useEnrolMember,
  useEnrolments,
  useMoveInOutline,
  useOrgMembers,
  useOutline,
  useReplaceSkills,
  useSkills,
  useUpdateCourse,
} from './api'

function DetailsCard({ course }: { course: Course }) {
  const update = useUpdateCourse(course.id)
  const toast = useToast()
  const [title, setTitle] = useState(course.title)
  const [summary, setSummary] = useState(course.summary)
  const [selfEnrol, setSelfEnrol] = useState(course.self_enrol)
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    if (!title.trim()) return setErrors({ fields: { title: 'Give the course a title.' }, form: null })
    setErrors(NO_ERRORS)
    update.mutate(
      { title: title.trim(), summary: summary.trim(), self_enrol: selfEnrol },
      {
        onSuccess: () => toast.success('Course saved.'),
        onError: (error) => setErrors(formErrors(error, ['title', 'summary'])),
      },
    )
  }

  function togglePublished() {
    update.mutate(
      { published: !course.published },
      {
        onSuccess: (c) => toast.success(c.published ? 'The course is published.' : 'The course is a draft again.'),
        onError: (error) => toast.error(errorMessage(error)),
      },
    )
  }

  return (
    <Card title="Details">
      <form noValidate onSubmit={onSubmit} className="space-y-3">
        <FormError message={errors.form} />
        <Field label="Course title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} error={errors.fields.title} />
        <Field label="Summary" value={summary} maxLength={2000} onChange={(e) => setSummary(e.target.value)} error={errors.fields.summary} />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={selfEnrol} onChange={(e) => setSelfEnrol(e.target.checked)} className="size-4" />
          Learners may enrol themselves
        </label>
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" pending={update.isPending && update.variables?.published === undefined}>
            Save details
          </Button>
          <Button
            variant={course.published ? 'secondary' : 'primary'}
            pending={update.isPending && update.variables?.published !== undefined}
            onClick={togglePublished}
          >
            {course.published ? 'Unpublish course' : 'Publish course'}
          </Button>
          <span className="text-sm text-slate-700 dark:text-slate-300" role="status">
            {course.published ? 'Published: learners can see it.' : 'Draft: only mentors can see it.'}
          </span>
        </div>
      </form>
    </Card>
  )
}

function NewLessonForm({ module }: { module: OutlineModule }) {
  const create = useCreateLesson()
  const [title, setTitle] = useState('')
  const [error, setError] = useState<string | undefined>()
  function onSubmit(event: FormEvent) {
    event.preventDefault()
    const slug = slugify(title)
    if (!title.trim() || !slug) return setError('Give the lesson a title with some letters or digits.')
    setError(undefined)
    create.mutate(
      { moduleId: module.id, body: { title: title.trim(), slug, body: `# ${title.trim()}\n`, published: false } },
      {
        onSuccess: () => setTitle(''),
        onError: (e) => setError(formErrors(e, ['title', 'slug']).fields.slug ?? errorMessage(e)),
      },
    )
  }
  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-wrap items-end gap-2">
      <div className="min-w-0 flex-1">
        <Field label={`New lesson in ${module.title}`} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} error={error} />
      </div>
      <Button type="submit" variant="secondary" pending={create.isPending}>
        Add lesson
      </Button>
    </form>
  )
}

/**
 * "Move up" / "Move down" for the item at `index` of `count`. Once the item has moved, the focus is put back
 * on the button pressed (reordering a list may move its element in the document, which drops the focus), or
 * on the other button when the pressed one is now disabled at an end.
 */
function MoveButtons({ name, index, count, onMove }: { name: string; index: number; count: number; onMove: (by: -1 | 1) => void }) {
  const up = useRef<HTMLButtonElement>(null)
  const down = useRef<HTMLButtonElement>(null)
  const pressed = useRef<-1 | 1 | null>(null)
  const first = index === 0
  const last = index === count - 1
  useEffect(() => {
    if (pressed.current === null) return
    const target = pressed.current === -1 ? (first ? down : up) : last ? up : down
    target.current?.focus()
    pressed.current = null
  }, [index, first, last])
  const press = (by: -1 | 1) => {
    pressed.current = by
    onMove(by)
  }
  const style = buttonClass('ghost', 'min-h-8 px-2 py-1')
  return (
    <span className="flex shrink-0 gap-1">
      <button ref={up} type="button" className={style} disabled={first} aria-label={`Move ${name} up`} onClick={() => press(-1)}>
        <span aria-hidden="true">↑</span>
      </button>
      <button ref={down} type="button" className={style} disabled={last} aria-label={`Move ${name} down`} onClick={() => press(1)}>
        <span aria-hidden="true">↓</span>
      </button>
    </span>
  )
}

function placeOf(outline: Outline, plan: OutlinePlan, id: string): string {
  for (const m of plan.outline.modules) {
    if (m.id === id) return `${m.title} is now module ${plan.outline.modules.indexOf(m) + 1} of ${outline.modules.length}.`
    const index = m.lessons.findIndex((l) => l.id === id)
    if (index >= 0) return `${m.lessons[index]!.title} is now lesson ${index + 1} of ${m.lessons.length} in ${m.title}.`
  }
  return ''
}

function OutlineCard({ courseId }: { courseId: string }) {
  const outline = useOutline(courseId)
  const createModule = useCreateModule(courseId)
  const move = useMoveInOutline(courseId)
  const toast = useToast()
  const [title, setTitle] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [announcement, setAnnouncement] = useState('')
  // A lesson moved to another module is drawn anew there: the focus follows it to its link.
  const [follow, setFollow] = useState<{ lessonId: string; moduleId: string } | null>(null)
  useEffect(() => {
    if (!follow) return
    const arrived = outline.data?.modules.find((m) => m.id === follow.moduleId)?.lessons.some((l) => l.id === follow.lessonId)
    if (!arrived) return
    document.getElementById(`lesson-${follow.lessonId}`)?.focus()
    setFollow(null)
  }, [follow, outline.data])

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    if (!title.trim()) return setError('Give the module a title.')
    setError(undefined)
    createModule.mutate(title.trim(), { onSuccess: () => setTitle(''), onError: (e) => setError(errorMessage(e)) })
  }

  function apply(id: string, plan: (current: Outline) => OutlinePlan) {
    // Moves made in a row build on what the screen shows, the optimistic outline included.
    const current = outline.data
    if (!current) return
    const next = plan(current)
    if (!next.changes.length) return
    setAnnouncement(placeOf(current, next, id))
    move.mutate(next, {
      onError: (e) => {
        setAnnouncement('')
        setFollow(null)
        toast.error(errorMessage(e))
      },
    })
  }

  const modules = outline.data?.modules ?? []
  return (
    <Card
      title="Modules and lessons"
      description="Lessons are written in Markdown; new lessons start as drafts. Learners follow modules and lessons in this order."
    >
      {outline.isPending && <SkeletonRows rows={3} label="Loading the outline" />}
      {outline.isError && <ErrorState message={errorMessage(outline.error)} onRetry={() => void outline.refetch()} />}
      <p role="status" className="sr-only">
        {announcement}
      </p>
      <div className="space-y-5">
        {modules.map((module, m) => (
          <section key={module.id} aria-label={module.title} className="space-y-2 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            <div className="flex items-center justify-between gap-2">
              <h3 className="font-semibold">{module.title}</h3>
              <MoveButtons
                name={module.title}
                index={m}
                count={modules.length}
                onMove={(by) => apply(module.id, (o) => moveModule(o, m, m + by))}
              />
            </div>
            {module.lessons.length === 0 ? (
              <p className="text-sm text-slate-700 dark:text-slate-300">No lessons yet.</p>
            ) : (
              <ol className="space-y-1">
                {module.lessons.map((lesson, l) => (
                  <li key={lesson.id} className="flex flex-wrap items-center justify-between gap-2 text-sm">
                    <Link id={`lesson-${lesson.id}`} to={`/author/lessons/${lesson.id}`} className="min-w-0 flex-1 font-medium text-brand-700 underline dark:text-brand-300">
                      {lesson.title}
                    </Link>
                    <span>{lesson.published ? 'Published' : 'Draft'}</span>
                    {modules.length > 1 && (
                      <select
                        aria-label={`Move ${lesson.title} to another module`}
                        className="rounded-lg border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
                        value=""
                        onChange={(e) => {
                          const target = e.target.value
                          if (!target) return
                          apply(lesson.id, (o) => moveLessonToModule(o, lesson.id, target))
                          setFollow({ lessonId: lesson.id, moduleId: target })
                        }}
                      >
                        <option value="">Move to module…</option>
                        {modules
                          .filter((other) => other.id !== module.id)
                          .map((other) => (
                            <option key={other.id} value={other.id}>
                              {other.title}
                            </option>
                          ))}
                      </select>
                    )}
                    <MoveButtons
                      name={lesson.title}
                      index={l}
                      count={module.lessons.length}
                      onMove={(by) => apply(lesson.id, (o) => moveLesson(o, module.id, l, l + by))}
                    />
                  </li>
                ))}
              </ol>
            )}
            <NewLessonForm module={module} />
          </section>
        ))}
        <form noValidate onSubmit={onSubmit} className="flex flex-wrap items-end gap-2">
          <div className="min-w-0 flex-1">
            <Field label="New module" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} error={error} />
          </div>
          <Button type="submit" variant="secondary" pending={createModule.isPending}>
            Add module
          </Button>
        </form>
      </div>
    </Card>
  )
}

function SkillsCard({ courseId }: { courseId: string }) {
  const skills = useSkills(courseId)
  const replace = useReplaceSkills(courseId)
  const toast = useToast()
  const [name, setName] = useState('')
  const [error, setError] = useState<string | undefined>()
  const list = skills.data ?? []

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    const slug = slugify(name).slice(0, 64)
    if (!name.trim() || !slug) return setError('Name the skill with some letters or digits.')
    if (list.some((s) => s.slug === slug)) return setError('The course already has this skill.')
    setError(undefined)
    replace.mutate([...list, { slug, name: name.trim(), description: '' }], {
      onSuccess: () => setName(''),
      onError: (e) => setError(errorMessage(e)),
    })
  }

  return (
    <Card title="Skills" description="What the course teaches; lessons and questions name the skills they train.">
      {skills.isPending && <SkeletonRows rows={1} label="Loading skills" />}
      {skills.isError && <ErrorState message={errorMessage(skills.error)} onRetry={() => void skills.refetch()} />}
      {skills.data && (
        <div className="space-y-3">
          {list.length === 0 ? (
            <p className="text-sm text-slate-700 dark:text-slate-300">No skills yet.</p>
          ) : (
            <ul aria-label="Skills of the course" className="flex flex-wrap gap-2">
              {list.map((skill) => (
                <li key={skill.slug} className="flex items-center gap-1 rounded-full bg-slate-100 py-1 pl-3 pr-1 text-sm dark:bg-slate-800">
                  {skill.name}
                  <button
                    type="button"
                    className="rounded-full px-2 hover:bg-slate-200 dark:hover:bg-slate-700"
                    aria-label={`Remove skill ${skill.name}`}
                    onClick={() =>
                      replace.mutate(
                        list.filter((s) => s.slug !== skill.slug),
                        { onError: (e) => toast.error(errorMessage(e)) },
                      )
                    }
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form noValidate onSubmit={onSubmit} className="flex flex-wrap items-end gap-2">
            <div className="min-w-0 flex-1">
              <Field label="New skill" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} error={error} />
            </div>
            <Button type="submit" variant="secondary" pending={replace.isPending}>
              Add skill
            </Button>
          </form>
        </div>
      )}
    </Card>
  )
}

function EnrolmentsCard({ courseId }: { courseId: string }) {
  const enrolments = useEnrolments(courseId)
  const members = useOrgMembers()
  const enrol = useEnrolMember(courseId)
  const toast = useToast()
  const [userId, setUserId] = useState('')
  const enrolled = new Set(enrolments.data?.items.map((e) => e.user_id))
  const names = new Map(members.data?.items.map((m) => [m.user_id, `${m.display_name} (${m.email})`]))
  const candidates = members.data?.items.filter((m) => m.role === 'learner' && !enrolled.has(m.user_id)) ?? []

  return (
    <Card title="Learners" description="Enrol learners to assign them this course and its quizzes.">
      {(enrolments.isPending || members.isPending) && <SkeletonRows rows={2} label="Loading learners" />}
      {enrolments.isError && <ErrorState message={errorMessage(enrolments.error)} onRetry={() => void enrolments.refetch()} />}
      {enrolments.data && (
        <div className="space-y-3">
          {enrolments.data.items.length === 0 ? (
            <p className="text-sm text-slate-700 dark:text-slate-300">Nobody is enrolled yet.</p>
          ) : (
            <ul aria-label="Enrolled learners" className="list-disc pl-5 text-sm">
              {enrolments.data.items.map((e) => (
                <li key={e.user_id}>{names.get(e.user_id) ?? 'A member'}</li>
              ))}
            </ul>
          )}
          <form
            noValidate
            className="flex flex-wrap items-end gap-2"
            onSubmit={(event) => {
              event.preventDefault()
              const chosen = userId || candidates[0]?.user_id
              if (!chosen) return
              enrol.mutate(chosen, {
                onSuccess: () => {
                  toast.success(`${names.get(chosen) ?? 'The learner'} is enrolled.`)
                  setUserId('')
                },
                onError: (error) => toast.error(errorMessage(error)),
              })
            }}
          >
            <div className="min-w-0 flex-1">
              <SelectField
                label="Learner to enrol"
                value={userId || candidates[0]?.user_id || ''}
                onChange={(e) => setUserId(e.target.value)}
                disabled={candidates.length === 0}
                options={
                  candidates.length
                    ? candidates.map((m) => ({ value: m.user_id, label: `${m.display_name} (${m.email})` }))
                    : [{ value: '', label: 'Every learner is enrolled' }]
                }
              />
            </div>
            <Button type="submit" variant="secondary" pending={enrol.isPending} disabled={candidates.length === 0}>
              Enrol learner
            </Button>
          </form>
        </div>
      )}
    </Card>
  )
}

export default function CourseEditorPage() {
  const { courseId = '' } = useParams()
  const course = useCourse(courseId)
  if (course.isPending) return <PageSpinner label="Loading the course" />
  if (course.isError) return <ErrorState page message={errorMessage(course.error)} onRetry={() => void course.refetch()} />
  return (
    <Page
      title={`Edit: ${course.data.title}`}
      actions={
        <div className="flex flex-wrap gap-2">
          <ButtonLink variant="secondary" to={`/author/courses/${courseId}/questions`}>
            Question bank
          </ButtonLink>
          <ButtonLink variant="secondary" to={`/author/quizzes?course=${courseId}`}>
            Quizzes
          </ButtonLink>
          <ButtonLink variant="secondary" to={`/courses/${courseId}`}>
            View as learner
          </ButtonLink>
        </div>
      }
    >
      <DetailsCard key={course.data.updated_at} course={course.data} />
      <SkillsCard courseId={courseId} />
      <OutlineCard courseId={courseId} />
      <EnrolmentsCard courseId={courseId} />
    </Page>
  )
}
