/** Courses, modules, lessons, enrolment, progress and the question bank. */
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf, type GetResult } from '@/api/client'
import { ApiError, unwrap } from '@/api/problem'
import type { components } from '@/api/schema'
import type { Skill } from '@/api/skills'

type Schemas = components['schemas']
export type Course = Schemas['CourseRead']
export type CourseCreate = BodyOf<'/api/v1/courses', 'post'>
export type CourseUpdate = BodyOf<'/api/v1/courses/{course_id}', 'patch'>
export type Outline = GetResult<'/api/v1/courses/{course_id}/outline'>
export type OutlineModule = Outline['modules'][number]
export type Lesson = Schemas['LessonRead']
export type LessonCreate = BodyOf<'/api/v1/modules/{module_id}/lessons', 'post'>
export type LessonUpdate = BodyOf<'/api/v1/lessons/{lesson_id}', 'patch'>
export type QuestionRead = Schemas['QuestionRead']
export type QuestionIn = Schemas['QuestionIn']
export type QuestionSpec = QuestionIn['question']
export type QuestionType = QuestionSpec['type']
export type Enrolment = Schemas['EnrolmentRead']

export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  true_false: 'True / false',
  short_text: 'Short text',
  numeric: 'Numeric',
  ordering: 'Ordering',
  matching: 'Matching',
  free_text: 'Free text (graded by a mentor)',
}

const PAGE = { limit: 100, offset: 0 }

// ---- courses ------------------------------------------------------------------------------------

export const coursesQueryOptions = () =>
  queryOptions({
    queryKey: ['content', 'courses'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/courses', { params: { query: PAGE }, signal })),
  })

export function useCourses() {
  return useQuery(coursesQueryOptions())
}

export const courseQueryOptions = (courseId: string) =>
  queryOptions({
    queryKey: ['content', 'course', courseId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/courses/{course_id}', { params: { path: { course_id: courseId } }, signal })),
  })

export function useCourse(courseId: string) {
  return useQuery(courseQueryOptions(courseId))
}

export const outlineQueryOptions = (courseId: string) =>
  queryOptions({
    queryKey: ['content', 'outline', courseId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/courses/{course_id}/outline', { params: { path: { course_id: courseId } }, signal }),
      ),
    // Learners who are not enrolled get 403: that is an answer, not a failure worth retrying.
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  })

export function useOutline(courseId: string, enabled = true) {
  return useQuery({ ...outlineQueryOptions(courseId), enabled })
}

function useInvalidateContent() {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: ['content'] })
}

export function useCreateCourse() {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (body: CourseCreate) => unwrap(await api.POST('/api/v1/courses', { body })),
    onSuccess: invalidate,
  })
}

export function useUpdateCourse(courseId: string) {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (body: CourseUpdate) =>
      unwrap(await api.PATCH('/api/v1/courses/{course_id}', { params: { path: { course_id: courseId } }, body })),
    onSuccess: invalidate,
  })
}

export function useEnrolSelf() {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (courseId: string) =>
      unwrap(await api.POST('/api/v1/courses/{course_id}/enrolment', { params: { path: { course_id: courseId } } })),
    onSuccess: invalidate,
  })
}

// ---- modules and lessons --------------------------------------------------------------------------

export function useCreateModule(courseId: string) {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (title: string) =>
      unwrap(
        await api.POST('/api/v1/courses/{course_id}/modules', {
          params: { path: { course_id: courseId } },
          body: { title },
        }),
      ),
    onSuccess: invalidate,
  })
}

export function useCreateLesson() {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async ({ moduleId, body }: { moduleId: string; body: LessonCreate }) =>
      unwrap(await api.POST('/api/v1/modules/{module_id}/lessons', { params: { path: { module_id: moduleId } }, body })),
    onSuccess: invalidate,
  })
}

/** One item's new place: a module's position in the course, or a lesson's in its (new) module. */
export interface PlaceChange {
  kind: 'module' | 'lesson'
  id: string
  position: number
  /** A lesson moving to another module of the course. */
  moduleId?: string
}

export interface OutlinePlan {
  outline: Outline
  changes: PlaceChange[]
}

/** `items` in their new order, and the items whose position is not yet their index. */
function renumber<T extends { id: string; position: number }>(items: T[], kind: PlaceChange['kind']) {
  const changes: PlaceChange[] = []
  const placed = items.map((item, index) => {
    if (item.position === index) return item
    changes.push({ kind, id: item.id, position: index })
    return { ...item, position: index }
  })
  return { placed, changes }
}

function shift<T>(items: readonly T[], from: number, to: number): T[] {
  const next = [...items]
  const [item] = next.splice(from, 1)
  next.splice(to, 0, item!)
  return next
}

/**
 * The outline once the module at `from` is at `to`. Positions are renumbered 0, 1, 2… so that the
 * server's order (position, then creation) is the one shown, even where positions were equal or had gaps.
 */
export function moveModule(outline: Outline, from: number, to: number): OutlinePlan {
  const { placed, changes } = renumber(shift(outline.modules, from, to), 'module')
  return { outline: { ...outline, modules: placed }, changes }
}

export function moveLesson(outline: Outline, moduleId: string, from: number, to: number): OutlinePlan {
  const changes: PlaceChange[] = []
  const modules = outline.modules.map((m) => {
    if (m.id !== moduleId) return m
    const done = renumber(shift(m.lessons, from, to), 'lesson')
    changes.push(...done.changes)
    return { ...m, lessons: done.placed }
  })
  return { outline: { ...outline, modules }, changes }
}

/** The outline once a lesson has moved to the end of another module of the course. */
export function moveLessonToModule(outline: Outline, lessonId: string, moduleId: string): OutlinePlan {
  const lesson = outline.modules.flatMap((m) => m.lessons).find((l) => l.id === lessonId)
  const target = outline.modules.find((m) => m.id === moduleId)
  if (!lesson || !target || lesson.module_id === moduleId) return { outline, changes: [] }
  const position = target.lessons.reduce((last, l) => Math.max(last, l.position + 1), 0)
  const moved = { ...lesson, module_id: moduleId, position }
  const modules = outline.modules.map((m) =>
    m.id === moduleId
      ? { ...m, lessons: [...m.lessons, moved] }
      : { ...m, lessons: m.lessons.filter((l) => l.id !== lessonId) },
  )
  return { outline: { ...outline, modules }, changes: [{ kind: 'lesson', id: lessonId, position, moduleId }] }
}

/**
 * Put modules and lessons in their new places: the outline changes at once, the PATCHes follow one after
 * another, and the server's outline is read again afterwards (also after a refusal, to show what was saved).
 * The API sets a position as given, without shifting the others, hence one PATCH for each item that moves.
 */
export function useMoveInOutline(courseId: string) {
  const queryClient = useQueryClient()
  const key = outlineQueryOptions(courseId).queryKey
  const mutationKey = ['content', 'outline-move', courseId]
  return useMutation({
    mutationKey,
    // One move's PATCHes are all sent before the next move's: each plan was made on the one before.
    scope: { id: `outline-move-${courseId}` },
    mutationFn: async (plan: OutlinePlan) => {
      for (const change of plan.changes) {
        if (change.kind === 'module') {
          unwrap(
            await api.PATCH('/api/v1/modules/{module_id}', {
              params: { path: { module_id: change.id } },
              body: { position: change.position },
            }),
          )
        } else {
          unwrap(
            await api.PATCH('/api/v1/lessons/{lesson_id}', {
              params: { path: { lesson_id: change.id } },
              body: change.moduleId ? { module_id: change.moduleId, position: change.position } : { position: change.position },
            }),
          )
        }
      }
    },
    onMutate: async (plan) => {
      await queryClient.cancelQueries({ queryKey: key })
      const before = queryClient.getQueryData(key)
      queryClient.setQueryData(key, plan.outline)
      return { before }
    },
    onError: (_error, _plan, context) => {
      if (context?.before) queryClient.setQueryData(key, context.before)
    },
    // Read the server's outline once the last queued move is done, not between moves (it would flicker).
    onSettled: () =>
      queryClient.isMutating({ mutationKey }) <= 1
        ? queryClient.invalidateQueries({ queryKey: ['content', 'outline', courseId] })
        : undefined,
  })
}

export const lessonQueryOptions = (lessonId: string) =>
  queryOptions({
    queryKey: ['content', 'lesson', lessonId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/lessons/{lesson_id}', { params: { path: { lesson_id: lessonId } }, signal })),
  })

export function useLesson(lessonId: string) {
  return useQuery(lessonQueryOptions(lessonId))
}

export function useUpdateLesson(lessonId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: LessonUpdate) =>
      unwrap(await api.PATCH('/api/v1/lessons/{lesson_id}', { params: { path: { lesson_id: lessonId } }, body })),
    onSuccess: (lesson) => {
      queryClient.setQueryData(lessonQueryOptions(lessonId).queryKey, lesson)
      void queryClient.invalidateQueries({ queryKey: ['content', 'outline'] })
    },
  })
}

/** The server's own rendering of a Markdown body (what learners will see), without saving it. */
export function usePreview() {
  return useMutation({
    mutationFn: async (body: string) => unwrap(await api.POST('/api/v1/content/preview', { body: { body } })).html,
  })
}

export function useLessonProgress(lessonId: string) {
  const invalidate = useInvalidateContent()
  const open = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/lessons/{lesson_id}/open', { params: { path: { lesson_id: lessonId } } })),
  })
  const complete = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/lessons/{lesson_id}/complete', { params: { path: { lesson_id: lessonId } } })),
    onSuccess: invalidate,
  })
  return { open, complete }
}

// ---- enrolments (mentors) -----------------------------------------------------------------------

export const enrolmentsQueryOptions = (courseId: string) =>
  queryOptions({
    queryKey: ['content', 'enrolments', courseId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/courses/{course_id}/enrolments', {
          params: { path: { course_id: courseId }, query: PAGE },
          signal,
        }),
      ),
  })

export function useEnrolments(courseId: string) {
  return useQuery(enrolmentsQueryOptions(courseId))
}

/** Members of the organisation, to pick whom to enrol. */
export const orgMembersQueryOptions = () =>
  queryOptions({
    queryKey: ['content', 'org-members'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/org/members', { params: { query: PAGE }, signal })),
  })

export function useOrgMembers() {
  return useQuery(orgMembersQueryOptions())
}

export function useEnrolMember(courseId: string) {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (userId: string) =>
      unwrap(
        await api.POST('/api/v1/courses/{course_id}/enrolments', {
          params: { path: { course_id: courseId } },
          body: { user_id: userId },
        }),
      ),
    onSuccess: invalidate,
  })
}

// ---- question bank ------------------------------------------------------------------------------

export const questionsQueryOptions = (courseId: string, type: QuestionType | '' = '') =>
  queryOptions({
    queryKey: ['content', 'questions', courseId, type],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/courses/{course_id}/questions', {
          params: { path: { course_id: courseId }, query: { ...PAGE, ...(type ? { type } : {}) } },
          signal,
        }),
      ),
  })

export function useQuestions(courseId: string, type: QuestionType | '' = '') {
  return useQuery({ ...questionsQueryOptions(courseId, type), placeholderData: keepPreviousData })
}

export function useSaveQuestion(courseId: string) {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async ({ id, body }: { id: string | null; body: QuestionIn }) =>
      id
        ? unwrap(await api.PUT('/api/v1/questions/{question_id}', { params: { path: { question_id: id } }, body }))
        : unwrap(
            await api.POST('/api/v1/courses/{course_id}/questions', { params: { path: { course_id: courseId } }, body }),
          ),
    onSuccess: invalidate,
  })
}

export function useArchiveQuestion() {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/api/v1/questions/{question_id}', { params: { path: { question_id: id } } })),
    onSuccess: invalidate,
  })
}

export function useImportGift(courseId: string) {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (source: string) =>
      unwrap(
        await api.POST('/api/v1/courses/{course_id}/questions/gift', {
          params: { path: { course_id: courseId } },
          body: { source },
        }),
      ),
    onSuccess: invalidate,
  })
}

export interface GiftError {
  line: number
  message: string
}

/** The per-line errors of a refused GIFT file (a problem+json extension member). */
export function giftErrors(error: unknown): GiftError[] {
  if (!(error instanceof ApiError) || !error.problem) return []
  const found = (error.problem as unknown as { gift_errors?: unknown }).gift_errors
  return Array.isArray(found) ? (found as GiftError[]) : []
}

/** A slug from a title: lower case, ASCII letters and digits, dashes. */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
}

// ---- skills -------------------------------------------------------------------------------------

export { type Skill, skillsQueryOptions, useSkills } from '@/api/skills'

/** Replace the course's skills (a skill still used by a lesson, question or quiz is refused: 409/422). */
export function useReplaceSkills(courseId: string) {
  const invalidate = useInvalidateContent()
  return useMutation({
    mutationFn: async (skills: Skill[]) =>
      unwrap(
        await api.PUT('/api/v1/courses/{course_id}/skills', {
          params: { path: { course_id: courseId } },
          body: skills.map((s) => ({ slug: s.slug, name: s.name, description: s.description })),
        }),
      ),
    onSuccess: invalidate,
  })
}
