/** The signed-in user (`GET /me`): identity, active organisation and role, shared by every screen. */
import { queryOptions } from '@tanstack/react-query'
import { api, type GetResult } from '@/api/client'
import { unwrap } from '@/api/problem'

export type Me = GetResult<'/api/v1/me'>
export type Role = NonNullable<Me['active_organisation']>['role']
export const ME_KEY = ['me'] as const

export const meQueryOptions = () =>
  queryOptions({
    queryKey: ME_KEY,
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/me', { signal })),
  })
