/** Oversight for mentors and admins: safety alerts (held messages) and their learners' conversations. */
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type GetResult } from '@/api/client'
import { unwrap } from '@/api/problem'

export type AlertPage = GetResult<'/api/v1/mentor/alerts'>
export type Alert = GetResult<'/api/v1/mentor/alerts/{alert_id}'>
export type AlertStatus = Alert['status']
export type LearnerConversationPage = GetResult<'/api/v1/mentor/learner-conversations'>
export type LearnerConversation = GetResult<'/api/v1/mentor/learner-conversations/{conversation_id}'>
export type HeldMessage = LearnerConversation['messages'][number]

export const PAGE_SIZE = 20

/** What the real-time event `mentor.alert` carries (sent to each mentor and admin who may review it). */
export interface AlertNotice {
  alert_id: string
  conversation_id: string
  learner_id: string
  direction: 'input' | 'output'
  categories: string[]
}

export const ALERT_EVENT = 'mentor.alert'

const CATEGORY_LABELS: Record<string, string> = {
  self_harm: 'Self-harm',
  violence: 'Violence',
  sexual: 'Sexual content',
  personal_data: 'Personal data',
}

/** `self_harm` → "Self-harm"; a provider's own category (`harassment/threatening`) → "Harassment / threatening". */
export function categoryLabel(category: string): string {
  const known = CATEGORY_LABELS[category]
  if (known) return known
  const words = category.replace(/[_-]+/g, ' ').replace(/\//g, ' / ').trim()
  return words ? words[0]!.toUpperCase() + words.slice(1) : category
}

export function categoriesText(categories: readonly string[]): string {
  return categories.length ? categories.map(categoryLabel).join(', ') : 'Not given'
}

export function directionLabel(direction: Alert['direction']): string {
  return direction === 'input' ? 'The learner’s message' : 'The mentor’s reply'
}

// ---- alerts ------------------------------------------------------------------------------------

export const alertsQueryOptions = (status: AlertStatus, offset: number) =>
  queryOptions({
    queryKey: ['mentor', 'alerts', 'list', status, offset],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/mentor/alerts', {
          params: { query: { status, limit: PAGE_SIZE, offset } },
          signal,
        }),
      ),
  })

export function useAlerts(status: AlertStatus, offset: number) {
  return useQuery({ ...alertsQueryOptions(status, offset), placeholderData: keepPreviousData })
}

/** How many alerts are open: one row asked for, the page's total read. */
export const openAlertCountQueryOptions = () =>
  queryOptions({
    queryKey: ['mentor', 'alerts', 'open-count'],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/mentor/alerts', {
          params: { query: { status: 'open', limit: 1, offset: 0 } },
          signal,
        }),
      ).total,
    staleTime: 60_000,
  })

export function useOpenAlertCount() {
  return useQuery(openAlertCountQueryOptions())
}

export const alertQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['mentor', 'alerts', 'one', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/mentor/alerts/{alert_id}', { params: { path: { alert_id: id } }, signal })),
  })

export function useAlert(id: string) {
  return useQuery(alertQueryOptions(id))
}

export function useResolveAlert(id: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (note: string) =>
      unwrap(
        await api.POST('/api/v1/mentor/alerts/{alert_id}/resolve', {
          params: { path: { alert_id: id } },
          body: { note: note.trim() || null },
        }),
      ),
    onSuccess: (alert) => queryClient.setQueryData(alertQueryOptions(id).queryKey, alert),
    // Resolved here or, on a 409, by someone else: either way every list and the count change.
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['mentor', 'alerts'] }),
  })
}

// ---- learners' conversations --------------------------------------------------------------------

export const learnerConversationsQueryOptions = (learnerId: string, q: string, offset: number) =>
  queryOptions({
    queryKey: ['mentor', 'learner-conversations', 'list', learnerId, q, offset],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/mentor/learner-conversations', {
          params: {
            query: {
              limit: PAGE_SIZE,
              offset,
              ...(learnerId ? { learner_id: learnerId } : {}),
              ...(q ? { q } : {}),
            },
          },
          signal,
        }),
      ),
  })

export function useLearnerConversations(learnerId: string, q: string, offset: number) {
  return useQuery({ ...learnerConversationsQueryOptions(learnerId, q, offset), placeholderData: keepPreviousData })
}

export const learnerConversationQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['mentor', 'learner-conversations', 'one', id],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/mentor/learner-conversations/{conversation_id}', {
          params: { path: { conversation_id: id } },
          signal,
        }),
      ),
  })

export function useLearnerConversation(id: string) {
  return useQuery(learnerConversationQueryOptions(id))
}
