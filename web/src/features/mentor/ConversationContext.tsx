/** What a conversation is about (a course, and maybe a lesson of it): shown in the chat header and changed there. */
import { useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { errorMessage } from '@/api/problem'
import { Button } from '@/components/Button'
import { FormError, SelectField } from '@/components/Field'
import { courseQueryOptions, type Outline, useCourses, useOutline } from '@/features/content/api'
import { type ConversationDetail, useUpdateConversation } from './api'

function lessonsOf(outline: Outline | undefined) {
  return outline?.modules.flatMap((m) => m.lessons) ?? []
}

function PlaceForm({ conversation, onDone }: { conversation: ConversationDetail; onDone: () => void }) {
  const courses = useCourses()
  const update = useUpdateConversation()
  const [courseId, setCourseId] = useState(conversation.course_id ?? '')
  const [lessonId, setLessonId] = useState(conversation.lesson_id ?? '')
  const [error, setError] = useState<string | null>(null)
  const outline = useOutline(courseId, Boolean(courseId))

  // The learner's courses, and the current one even if they have since left it (so it stays chosen).
  const choices = (courses.data?.items ?? []).filter((c) => c.enrolled || c.id === conversation.course_id)
  const lessons = lessonsOf(outline.data)

  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    setError(null)
    try {
      await update.mutateAsync({ id: conversation.id, course_id: courseId || null, lesson_id: (courseId && lessonId) || null })
      onDone()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <form
      onSubmit={(e) => void onSubmit(e)}
      aria-label="What this conversation is about"
      className="mt-2 space-y-2 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-700 dark:bg-slate-900"
    >
      <FormError message={error ?? (courses.isError ? errorMessage(courses.error) : null)} />
      <div className="grid gap-2 sm:grid-cols-2">
        <SelectField
          label="Course"
          autoFocus
          value={courseId}
          disabled={courses.isPending}
          onChange={(e) => {
            setCourseId(e.target.value)
            setLessonId('')
          }}
          options={[{ value: '', label: 'Any course' }, ...choices.map((c) => ({ value: c.id, label: c.title }))]}
          hint={courses.isSuccess && choices.length === 0 ? 'You are not enrolled in any course yet.' : undefined}
        />
        {courseId && (
          <SelectField
            label="Lesson"
            value={lessonId}
            disabled={outline.isPending}
            onChange={(e) => setLessonId(e.target.value)}
            options={[{ value: '', label: 'Any lesson of the course' }, ...lessons.map((l) => ({ value: l.id, label: l.title }))]}
            error={outline.isError ? errorMessage(outline.error) : undefined}
          />
        )}
      </div>
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" variant="secondary" pending={update.isPending}>
          Save
        </Button>
      </div>
    </form>
  )
}

export function ConversationContext({ conversation }: { conversation: ConversationDetail }) {
  const [editing, setEditing] = useState(false)
  const courseId = conversation.course_id ?? null
  const lessonId = conversation.lesson_id ?? null
  const courses = useCourses()
  const listed = courses.data?.items.find((c) => c.id === courseId)
  // A course beyond the first page of the catalogue is asked for on its own.
  const single = useQuery({ ...courseQueryOptions(courseId ?? ''), enabled: courseId != null && courses.isFetched && !listed })
  const outline = useOutline(courseId ?? '', courseId != null && lessonId != null)
  const courseTitle = listed?.title ?? single.data?.title ?? 'a course'
  const lessonTitle = lessonsOf(outline.data).find((l) => l.id === lessonId)?.title ?? 'a lesson'

  return (
    <div className="mt-1 text-sm text-slate-700 dark:text-slate-300">
      <p className="flex flex-wrap items-baseline gap-x-2">
        <span data-testid="conversation-about">
          About:{' '}
          {courseId ? (
            <>
              <span className="font-medium">{courseTitle}</span>
              {lessonId && (
                <>
                  {' · '}
                  <span className="font-medium">{lessonTitle}</span>
                </>
              )}
            </>
          ) : (
            <span className="font-medium">Any course</span>
          )}
        </span>
        {!editing && (
          <button
            type="button"
            className="font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300"
            onClick={() => setEditing(true)}
          >
            Change course or lesson
          </button>
        )}
      </p>
      {editing && (
        <PlaceForm conversation={conversation} onDone={() => setEditing(false)} />
      )}
    </div>
  )
}
