/** AI settings of the active organisation (admins): providers, keys, aliases, budgets, policy, usage. */
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf, type GetResult } from '@/api/client'
import { unwrap } from '@/api/problem'

export type Deployment = GetResult<'/api/v1/ai/providers'>[number]
export type ProviderKey = GetResult<'/api/v1/ai/keys'>[number]
export type AISettings = GetResult<'/api/v1/ai/settings'>
export type AISettingsUpdate = BodyOf<'/api/v1/ai/settings', 'patch'>
export type Alias = GetResult<'/api/v1/ai/aliases'>[number]
export type UsageSummary = GetResult<'/api/v1/ai/usage/summary'>
export type UsageBreakdown = GetResult<'/api/v1/ai/usage/breakdown'>
export type UsageDimension = UsageBreakdown['by']
export type UsagePage = GetResult<'/api/v1/ai/usage'>

/** Providers an organisation can store its own key for (the offline mentor needs none). */
export const KEY_PROVIDERS = [
  { value: 'openai', label: 'OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
  { value: 'gemini', label: 'Google Gemini' },
  { value: 'openai_compat', label: 'OpenAI-compatible server' },
] as const

export function providerLabel(provider: string): string {
  if (provider === 'offline') return 'Offline mentor'
  return KEY_PROVIDERS.find((p) => p.value === provider)?.label ?? provider
}

const get = <T,>(key: readonly unknown[], fn: (signal: AbortSignal) => Promise<T>) =>
  queryOptions({ queryKey: ['ai', ...key], queryFn: ({ signal }) => fn(signal) })

export const providersQuery = () => get(['providers'], async (signal) => unwrap(await api.GET('/api/v1/ai/providers', { signal })))
export const keysQuery = () => get(['keys'], async (signal) => unwrap(await api.GET('/api/v1/ai/keys', { signal })))
export const settingsQuery = () => get(['settings'], async (signal) => unwrap(await api.GET('/api/v1/ai/settings', { signal })))
export const aliasesQuery = () => get(['aliases'], async (signal) => unwrap(await api.GET('/api/v1/ai/aliases', { signal })))
export const summaryQuery = () => get(['usage', 'summary'], async (signal) => unwrap(await api.GET('/api/v1/ai/usage/summary', { signal })))
export const breakdownQuery = (by: UsageDimension, days: number) =>
  get(['usage', 'breakdown', by, days], async (signal) =>
    unwrap(await api.GET('/api/v1/ai/usage/breakdown', { params: { query: { by, days } }, signal })),
  )
export const callsQuery = (offset: number, limit = 20) =>
  get(['usage', 'calls', offset, limit], async (signal) =>
    unwrap(await api.GET('/api/v1/ai/usage', { params: { query: { offset, limit } }, signal })),
  )

export const useProviders = () => useQuery(providersQuery())
export const useKeys = () => useQuery(keysQuery())
export const useAISettings = () => useQuery(settingsQuery())
export const useAliases = () => useQuery(aliasesQuery())
export const useUsageSummary = () => useQuery(summaryQuery())
export const useUsageBreakdown = (by: UsageDimension, days: number) =>
  useQuery({ ...breakdownQuery(by, days), placeholderData: keepPreviousData })
export const useUsageCalls = (offset: number) => useQuery({ ...callsQuery(offset), placeholderData: keepPreviousData })

/** Keys and the policy change which deployments are usable: refresh all of the AI settings. */
function useInvalidateAI() {
  const queryClient = useQueryClient()
  return () => queryClient.invalidateQueries({ queryKey: ['ai'] })
}

export function useSetKey() {
  const invalidate = useInvalidateAI()
  return useMutation({
    mutationFn: async ({ provider, apiKey }: { provider: string; apiKey: string }) =>
      unwrap(await api.PUT('/api/v1/ai/keys/{provider}', { params: { path: { provider } }, body: { api_key: apiKey } })),
    onSuccess: invalidate,
  })
}

export function useDeleteKey() {
  const invalidate = useInvalidateAI()
  return useMutation({
    mutationFn: async (provider: string) =>
      unwrap(await api.DELETE('/api/v1/ai/keys/{provider}', { params: { path: { provider } } })),
    onSuccess: invalidate,
  })
}

export function useUpdateSettings() {
  const invalidate = useInvalidateAI()
  return useMutation({
    mutationFn: async (body: AISettingsUpdate) => unwrap(await api.PATCH('/api/v1/ai/settings', { body })),
    onSuccess: invalidate,
  })
}

export function useSetAlias() {
  const invalidate = useInvalidateAI()
  return useMutation({
    mutationFn: async ({ alias, deployments }: { alias: string; deployments: string[] }) =>
      unwrap(await api.PUT('/api/v1/ai/aliases/{alias}', { params: { path: { alias } }, body: { deployments } })),
    onSuccess: invalidate,
  })
}

export function useResetAlias() {
  const invalidate = useInvalidateAI()
  return useMutation({
    mutationFn: async (alias: string) => unwrap(await api.DELETE('/api/v1/ai/aliases/{alias}', { params: { path: { alias } } })),
    onSuccess: invalidate,
  })
}

/** US dollars, with enough digits for sub-cent AI costs. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 6 : 2
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits })}`
}
