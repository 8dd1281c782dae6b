/** The one TanStack Query client: server state lives here and is dropped on sign-out. */
import { QueryClient } from '@tanstack/react-query'
import { ApiError } from '@/api/problem'

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: true,
        retry: (failures, error) => {
          // Client errors will not get better by asking again.
          if (error instanceof ApiError && error.status < 500) return false
          return failures < 2
        },
      },
      mutations: { retry: false },
    },
  })
}
