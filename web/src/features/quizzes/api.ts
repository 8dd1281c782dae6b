/** Assessments (quizzes), attempts, answers and results; the course bank to build quizzes from. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf } from '@/api/client'
import { ApiError, unwrap } from '@/api/problem'
import type { components } from '@/api/schema'

type Schemas = components['schemas']
export type Assessment = Schemas['AssessmentRead']
export type AssessmentCreate = BodyOf<'/api/v1/assessments', 'post'>
export type AssessmentUpdate = BodyOf<'/api/v1/assessments/{assessment_id}', 'patch'>
export type Policy = Schemas['AssessmentPolicy']
export type FeedbackPolicy = NonNullable<Policy['feedback_policy']>
export type Attempt = Schemas['AttemptRead']
export type AttemptSummary = Schemas['AttemptSummary']
export type QuestionView = Schemas['QuestionView']
export type AnswerResult = Schemas['AnswerResult']
export type Answer = Schemas['AnswerIn']['answer']
export type BankQuestion = Schemas['QuestionRead']

export const FEEDBACK_LABELS: Record<FeedbackPolicy, string> = {
  immediately: 'After each answer',
  after_submit: 'After submitting',
  after_close: 'After the quiz closes',
}

const PAGE = { limit: 100, offset: 0 }
const noRetryOnClientError = (count: number, error: unknown) =>
  !(error instanceof ApiError && error.status < 500) && count < 2

export const assessmentsQueryOptions = (courseId: string | null) =>
  queryOptions({
    queryKey: ['quizzes', 'list', courseId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/assessments', {
          params: { query: { ...PAGE, ...(courseId ? { course_id: courseId } : {}) } },
          signal,
        }),
      ),
  })

export function useAssessments(courseId: string | null) {
  return useQuery(assessmentsQueryOptions(courseId))
}

export const assessmentQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['quizzes', 'one', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/assessments/{assessment_id}', { params: { path: { assessment_id: id } }, signal })),
    retry: noRetryOnClientError,
  })

export function useAssessment(id: string, enabled = true) {
  return useQuery({ ...assessmentQueryOptions(id), enabled })
}

export function useSaveAssessment() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ id, create, update }: { id: string | null; create?: AssessmentCreate; update?: AssessmentUpdate }) =>
      id
        ? unwrap(
            await api.PATCH('/api/v1/assessments/{assessment_id}', {
              params: { path: { assessment_id: id } },
              body: update ?? {},
            }),
          )
        : unwrap(await api.POST('/api/v1/assessments', { body: create! })),
    onSuccess: (saved) => {
      queryClient.setQueryData(assessmentQueryOptions(saved.id).queryKey, saved)
      void queryClient.invalidateQueries({ queryKey: ['quizzes', 'list'] })
    },
  })
}

export const attemptsQueryOptions = (assessmentId: string) =>
  queryOptions({
    queryKey: ['quizzes', 'attempts', assessmentId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/assessments/{assessment_id}/attempts', {
          params: { path: { assessment_id: assessmentId }, query: PAGE },
          signal,
        }),
      ),
  })

export function useAttempts(assessmentId: string) {
  return useQuery(attemptsQueryOptions(assessmentId))
}

export function useStartAttempt(assessmentId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/assessments/{assessment_id}/attempts', { params: { path: { assessment_id: assessmentId } } }),
      ),
    onSuccess: (attempt) => {
      queryClient.setQueryData(attemptQueryOptions(attempt.id).queryKey, attempt)
      void queryClient.invalidateQueries({ queryKey: attemptsQueryOptions(assessmentId).queryKey })
    },
  })
}

export const attemptQueryOptions = (attemptId: string) =>
  queryOptions({
    queryKey: ['quizzes', 'attempt', attemptId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/attempts/{attempt_id}', { params: { path: { attempt_id: attemptId } }, signal })),
    retry: noRetryOnClientError,
    // Answers are kept locally while the learner types: a background refetch must not overwrite them.
    refetchOnWindowFocus: false,
  })

export function useAttempt(attemptId: string) {
  return useQuery(attemptQueryOptions(attemptId))
}

export async function saveAnswer(attemptId: string, questionId: string, answer: Answer) {
  return unwrap(
    await api.PUT('/api/v1/attempts/{attempt_id}/answers/{question_id}', {
      params: { path: { attempt_id: attemptId, question_id: questionId } },
      body: { answer },
    }),
  )
}

export function useSubmitAttempt(attemptId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/attempts/{attempt_id}/submit', { params: { path: { attempt_id: attemptId } } })),
    onSuccess: (attempt) => {
      queryClient.setQueryData(attemptQueryOptions(attemptId).queryKey, attempt)
      void queryClient.invalidateQueries({ queryKey: attemptsQueryOptions(attempt.assessment_id).queryKey })
    },
  })
}

// ---- what quizzes are built from (mentors) -------------------------------------------------------

export const coursesQueryOptions = () =>
  queryOptions({
    queryKey: ['quizzes', 'courses'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/courses', { params: { query: PAGE }, signal })),
  })

export function useCourseChoices() {
  return useQuery(coursesQueryOptions())
}

export type Draw = Schemas['Draw']

/** At most this many questions in a quiz, fixed or drawn (`MAX_ASSESSMENT_QUESTIONS` on the server). */
export const MAX_QUIZ_QUESTIONS = 200
/** At most this many draws in a quiz. */
export const MAX_DRAWS = 20
const BANK_PAGES = 20

/** The whole bank of a course (every page): draws are counted against all of it. */
export const bankQueryOptions = (courseId: string) =>
  queryOptions({
    queryKey: ['quizzes', 'bank', courseId],
    queryFn: async ({ signal }) => {
      const first = unwrap(
        await api.GET('/api/v1/courses/{course_id}/questions', {
          params: { path: { course_id: courseId }, query: PAGE },
          signal,
        }),
      )
      const items = [...first.items]
      for (let page = 1; items.length < first.total && page < BANK_PAGES; page++) {
        const next = unwrap(
          await api.GET('/api/v1/courses/{course_id}/questions', {
            params: { path: { course_id: courseId }, query: { limit: PAGE.limit, offset: page * PAGE.limit } },
            signal,
          }),
        )
        if (!next.items.length) break
        items.push(...next.items)
      }
      return { ...first, items }
    },
  })

export function useBank(courseId: string) {
  return useQuery({ ...bankQueryOptions(courseId), enabled: Boolean(courseId) })
}

/**
 * The bank questions a draw picks from, as the server chooses them: not archived, a difficulty in range,
 * one of the draw's skills (any skill when none is named); no free-text question in practice mode.
 */
export function matchesDraw(question: BankQuestion, draw: Draw, mode: Policy['mode']): boolean {
  if (question.archived) return false
  if (mode === 'practice' && question.type === 'free_text') return false
  if (question.difficulty < (draw.difficulty_min ?? 1) || question.difficulty > (draw.difficulty_max ?? 5)) return false
  return !draw.skills?.length || question.skills.some((s) => draw.skills!.includes(s))
}

export { useSkills as useCourseSkills } from '@/api/skills'

/** `time-up`: the server refused a late answer and submitted the attempt. */
export function isTimeUp(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && Boolean(error.problem?.type.endsWith('time-up'))
}

export function percent(score: number | null | undefined): string {
  return score == null ? '–' : `${Math.round(score * 100)} %`
}

/** Names of the organisation's members, for the results table (mentors only). */
export const memberNamesQueryOptions = () =>
  queryOptions({
    queryKey: ['quizzes', 'member-names'],
    queryFn: async ({ signal }) => {
      const page = unwrap(await api.GET('/api/v1/org/members', { params: { query: PAGE }, signal }))
      return new Map(page.items.map((m) => [m.user_id, m.display_name]))
    },
  })

export function useMemberNames(enabled: boolean) {
  return useQuery({ ...memberNamesQueryOptions(), enabled })
}

/** A mentor's grade for one answer (free text, or an override of the automatic grade). */
export function useGradeAnswer(attemptId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ questionId, score, feedback }: { questionId: string; score: number; feedback: string }) =>
      unwrap(
        await api.PUT('/api/v1/attempts/{attempt_id}/answers/{question_id}/grade', {
          params: { path: { attempt_id: attemptId, question_id: questionId } },
          body: { score, feedback: feedback.trim() || null },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['quizzes'] }),
  })
}

export async function showHint(attemptId: string, questionId: string) {
  return unwrap(
    await api.POST('/api/v1/attempts/{attempt_id}/answers/{question_id}/hint', {
      params: { path: { attempt_id: attemptId, question_id: questionId } },
    }),
  )
}
