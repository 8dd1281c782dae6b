/** The learning engine's API: progress (own or a learner's), badges, leaderboards, reviews, skills. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf, type GetResult } from '@/api/client'
import { unwrap } from '@/api/problem'

export type Home = GetResult<'/api/v1/learning/me'>
export type Suggestion = Home['what_next'][number]
export type EarnedBadge = Home['recent_badges'][number]
export type LearningSettings = Home['settings']
export type SettingsUpdate = BodyOf<'/api/v1/learning/me/settings', 'patch'>
export type BadgeProgress = GetResult<'/api/v1/learning/me/badges'>[number]
export type Skills = GetResult<'/api/v1/learning/me/skills'>
export type SkillMastery = Skills['skills'][number]
export type ReviewCard = GetResult<'/api/v1/learning/me/reviews'>[number]
export type ReviewAnswer = GetResult<'/api/v1/learning/me/reviews/{card_id}/answer'>
export type Leaderboard = GetResult<'/api/v1/learning/leaderboards'>
export type LearnerSummary = GetResult<'/api/v1/learning/learners'>[number]
export type Period = 'week' | 'all'
export type Rating = 1 | 2 | 3 | 4

/** Whose progress a screen shows: the signed-in learner (`undefined`) or a learner a mentor opened. */
export type Who = string | undefined

export const homeQueryOptions = (learnerId: Who) =>
  queryOptions({
    queryKey: ['learning', learnerId ?? 'me', 'home'],
    queryFn: async ({ signal }) =>
      learnerId
        ? unwrap(await api.GET('/api/v1/learning/learners/{learner_id}', { params: { path: { learner_id: learnerId } }, signal }))
        : unwrap(await api.GET('/api/v1/learning/me', { signal })),
  })

export function useHome(learnerId?: string) {
  return useQuery(homeQueryOptions(learnerId))
}

export const badgesQueryOptions = (learnerId: Who) =>
  queryOptions({
    queryKey: ['learning', learnerId ?? 'me', 'badges'],
    queryFn: async ({ signal }) =>
      learnerId
        ? unwrap(
            await api.GET('/api/v1/learning/learners/{learner_id}/badges', {
              params: { path: { learner_id: learnerId } },
              signal,
            }),
          )
        : unwrap(await api.GET('/api/v1/learning/me/badges', { signal })),
  })

export function useBadges(learnerId?: string) {
  return useQuery(badgesQueryOptions(learnerId))
}

export const skillsQueryOptions = (learnerId: Who) =>
  queryOptions({
    queryKey: ['learning', learnerId ?? 'me', 'skills'],
    queryFn: async ({ signal }) =>
      learnerId
        ? unwrap(
            await api.GET('/api/v1/learning/learners/{learner_id}/skills', {
              params: { path: { learner_id: learnerId } },
              signal,
            }),
          )
        : unwrap(await api.GET('/api/v1/learning/me/skills', { signal })),
  })

export function useSkills(learnerId?: string) {
  return useQuery(skillsQueryOptions(learnerId))
}

export const leaderboardQueryOptions = (period: Period, courseId: string) =>
  queryOptions({
    queryKey: ['learning', 'leaderboard', period, courseId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/learning/leaderboards', {
          params: { query: { period, limit: 50, ...(courseId ? { course_id: courseId } : {}) } },
          signal,
        }),
      ),
  })

export function useLeaderboard(period: Period, courseId: string) {
  return useQuery(leaderboardQueryOptions(period, courseId))
}

export const reviewQueueQueryOptions = () =>
  queryOptions({
    queryKey: ['learning', 'me', 'reviews'],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/learning/me/reviews', { params: { query: { limit: 50 } }, signal })),
    // A session works through a fixed set of cards; refetching mid-session would reshuffle it.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  })

export function useReviewQueue() {
  return useQuery(reviewQueueQueryOptions())
}

/** Turn a card over (fetched only when the learner asks for the answer). */
export async function fetchReviewAnswer(cardId: string): Promise<ReviewAnswer> {
  return unwrap(
    await api.GET('/api/v1/learning/me/reviews/{card_id}/answer', { params: { path: { card_id: cardId } } }),
  )
}

export function useSubmitReview() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ cardId, rating }: { cardId: string; rating: Rating }) =>
      unwrap(
        await api.POST('/api/v1/learning/me/reviews/{card_id}', {
          params: { path: { card_id: cardId } },
          body: { rating },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['learning', 'me', 'home'] }),
  })
}

export function useUpdateLearningSettings() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: SettingsUpdate) => unwrap(await api.PATCH('/api/v1/learning/me/settings', { body })),
    onSuccess: (settings) => {
      // Show the saved settings at once; the rest (today's goal, boards) follows from the refetch.
      queryClient.setQueryData(homeQueryOptions(undefined).queryKey, (old) => (old ? { ...old, settings } : old))
      return queryClient.invalidateQueries({ queryKey: ['learning'] })
    },
  })
}

export const learnersQueryOptions = () =>
  queryOptions({
    queryKey: ['learning', 'learners'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/learning/learners', { signal })),
  })

export function useLearners() {
  return useQuery(learnersQueryOptions())
}

export interface CourseOption {
  id: string
  title: string
}

/** The courses the member can see, for the leaderboard's course filter and course names. */
export function useCourseOptions() {
  return useQuery({
    queryKey: ['learning', 'course-options'],
    queryFn: async ({ signal }): Promise<CourseOption[]> => {
      const page = unwrap(await api.GET('/api/v1/courses', { params: { query: { limit: 100 } }, signal }))
      return page.items.map((c) => ({ id: c.id, title: c.title }))
    },
    staleTime: 5 * 60_000,
  })
}

export type Day = GetResult<'/api/v1/learning/me/days'>[number]
export type CustomBadge = GetResult<'/api/v1/learning/badges/custom'>[number]
export type CustomBadgeCreate = BodyOf<'/api/v1/learning/badges/custom', 'post'>

/** The learner's daily history (most recent day first). */
export function useMyDays(limit = 14) {
  return useQuery({
    queryKey: ['learning', 'me', 'days', limit],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/learning/me/days', { params: { query: { limit } }, signal })),
  })
}

/** Vacation mode: start (optionally until a day) or end it; the home's streak shows the state. */
export function useVacation() {
  const queryClient = useQueryClient()
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['learning', 'me'] })
  const start = useMutation({
    mutationFn: async (until: string | null) =>
      unwrap(await api.POST('/api/v1/learning/me/vacation', { body: until ? { until } : {} })),
    onSuccess: refresh,
  })
  const end = useMutation({
    mutationFn: async () => {
      unwrap(await api.DELETE('/api/v1/learning/me/vacation'))
    },
    onSuccess: refresh,
  })
  return { start, end }
}

export function useCustomBadges(enabled = true) {
  return useQuery({
    queryKey: ['learning', 'custom-badges'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/learning/badges/custom', { signal })),
    enabled,
  })
}

export function useCreateCustomBadge() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: CustomBadgeCreate) => unwrap(await api.POST('/api/v1/learning/badges/custom', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['learning'] }),
  })
}

export function useDeleteCustomBadge() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (badgeId: string) => {
      unwrap(await api.DELETE('/api/v1/learning/badges/custom/{badge_id}', { params: { path: { badge_id: badgeId } } }))
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['learning'] }),
  })
}
