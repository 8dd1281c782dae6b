/** Organisations: mine, create, switch; the active organisation's members and invitations. */
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf, type GetResult } from '@/api/client'
import { unwrap } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'

export type OrgCreate = BodyOf<'/api/v1/orgs', 'post'>
export type MemberPage = GetResult<'/api/v1/org/members'>
export type Member = MemberPage['items'][number]
export type Invitation = GetResult<'/api/v1/org/invitations'>[number]
export type InvitationCreate = BodyOf<'/api/v1/org/invitations', 'post'>
export type OrgRole = Member['role']

export const myOrgsQueryOptions = () =>
  queryOptions({
    queryKey: ['orgs', 'mine'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/orgs', { signal })),
  })

export function useMyOrgs() {
  return useQuery(myOrgsQueryOptions())
}

/** Make an organisation the active one: a new token pair, and no data of the previous one kept. */
export function useSwitchOrganisation() {
  const { acceptTokens } = useAuth()
  return useMutation({
    mutationFn: async (organisationId: string) => {
      const pair = unwrap(
        await api.POST('/api/v1/auth/switch-organisation', { body: { organisation_id: organisationId } }),
      )
      await acceptTokens(pair, { resetCache: true })
      return pair
    },
  })
}

export function useCreateOrganisation() {
  const switchTo = useSwitchOrganisation()
  return useMutation({
    mutationFn: async (body: OrgCreate) => {
      const org = unwrap(await api.POST('/api/v1/orgs', { body }))
      await switchTo.mutateAsync(org.id)
      return org
    },
  })
}

export interface MemberFilter {
  q: string
  role: OrgRole | ''
  limit: number
  offset: number
}

export const membersQueryOptions = (filter: MemberFilter) =>
  queryOptions({
    queryKey: ['org', 'members', filter],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/org/members', {
          params: {
            query: {
              limit: filter.limit,
              offset: filter.offset,
              ...(filter.q ? { q: filter.q } : {}),
              ...(filter.role ? { role: filter.role } : {}),
            },
          },
          signal,
        }),
      ),
  })

export function useMembers(filter: MemberFilter) {
  return useQuery({ ...membersQueryOptions(filter), placeholderData: keepPreviousData })
}

export function useChangeRole() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: OrgRole }) =>
      unwrap(
        await api.PATCH('/api/v1/org/members/{user_id}', { params: { path: { user_id: userId } }, body: { role } }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['org', 'members'] }),
  })
}

export function useRemoveMember() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (userId: string) =>
      unwrap(await api.DELETE('/api/v1/org/members/{user_id}', { params: { path: { user_id: userId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['org', 'members'] }),
  })
}

export const invitationsQueryOptions = () =>
  queryOptions({
    queryKey: ['org', 'invitations'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/org/invitations', { signal })),
  })

export function useInvitations() {
  return useQuery(invitationsQueryOptions())
}

export function useCreateInvitation() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: InvitationCreate) => unwrap(await api.POST('/api/v1/org/invitations', { body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: invitationsQueryOptions().queryKey }),
  })
}

export function useRevokeInvitation() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (invitationId: string) =>
      unwrap(
        await api.DELETE('/api/v1/org/invitations/{invitation_id}', {
          params: { path: { invitation_id: invitationId } },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: invitationsQueryOptions().queryKey }),
  })
}

export const ROLE_LABELS: Record<OrgRole, string> = {
  learner: 'Learner',
  mentor: 'Mentor',
  org_admin: 'Organisation admin',
}
export const ROLE_OPTIONS = (Object.keys(ROLE_LABELS) as OrgRole[]).map((value) => ({ value, label: ROLE_LABELS[value] }))
