/** My profile, password and sessions. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf, type GetResult } from '@/api/client'
import { unwrap } from '@/api/problem'
import { ME_KEY } from '@/lib/auth/me'

export type MeUpdate = BodyOf<'/api/v1/me', 'patch'>
export type SessionRead = GetResult<'/api/v1/auth/sessions'>[number]

export function useUpdateMe() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: MeUpdate) => unwrap(await api.PATCH('/api/v1/me', { body })),
    onSuccess: (me) => queryClient.setQueryData(ME_KEY, me),
  })
}

export function useChangePassword() {
  return useMutation({
    mutationFn: async (body: { current_password: string; new_password: string }) =>
      unwrap(await api.POST('/api/v1/auth/password/change', { body })),
  })
}

export const sessionsQueryOptions = () =>
  queryOptions({
    queryKey: ['me', 'sessions'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/auth/sessions', { signal })),
  })

export function useSessions() {
  return useQuery(sessionsQueryOptions())
}

export function useRevokeSession() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (sessionId: string) =>
      unwrap(await api.DELETE('/api/v1/auth/sessions/{session_id}', { params: { path: { session_id: sessionId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQueryOptions().queryKey }),
  })
}

export function useResendVerification() {
  return useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/auth/email/resend')),
  })
}
