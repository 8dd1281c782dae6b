/** Auth API calls: sign up, sign in, password reset, e-mail verification and invitations. */
import { queryOptions, useMutation, useQuery } from '@tanstack/react-query'
import { api, type BodyOf } from '@/api/client'
import { unwrap } from '@/api/problem'

// The refresh token must come back as the HttpOnly cookie, never in the body.
const WEB = { 'X-Client': 'web' }

export type SignupBody = BodyOf<'/api/v1/auth/signup', 'post'>
export type LoginBody = BodyOf<'/api/v1/auth/login', 'post'>

export function useSignup() {
  return useMutation({
    mutationFn: async (body: SignupBody) => unwrap(await api.POST('/api/v1/auth/signup', { body, headers: WEB })),
  })
}

export function useLogin() {
  return useMutation({
    mutationFn: async (body: LoginBody) => unwrap(await api.POST('/api/v1/auth/login', { body, headers: WEB })),
  })
}

export function useForgotPassword() {
  return useMutation({
    mutationFn: async (email: string) =>
      unwrap(await api.POST('/api/v1/auth/password/forgot', { body: { email } })),
  })
}

export function useResetPassword() {
  return useMutation({
    mutationFn: async (body: { token: string; new_password: string }) =>
      unwrap(await api.POST('/api/v1/auth/password/reset', { body })),
  })
}

export function useVerifyEmail() {
  return useMutation({
    mutationFn: async (token: string) => unwrap(await api.POST('/api/v1/auth/email/verify', { body: { token } })),
  })
}

export const invitationQueryOptions = (token: string) =>
  queryOptions({
    queryKey: ['invitation', token],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/invitations/{token}', { params: { path: { token } }, signal })),
  })

export function useInvitation(token: string) {
  return useQuery(invitationQueryOptions(token))
}

export function useAcceptInvitation() {
  return useMutation({
    mutationFn: async (token: string) =>
      unwrap(await api.POST('/api/v1/invitations/{token}/accept', { params: { path: { token } } })),
  })
}

export function useSwitchAfterAccept() {
  return useMutation({
    mutationFn: async (organisationId: string) =>
      unwrap(
        await api.POST('/api/v1/auth/switch-organisation', { body: { organisation_id: organisationId } }),
      ),
  })
}
