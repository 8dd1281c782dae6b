/** Render a screen with the app's providers, a fresh query client and a memory router. */
import { QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { createMemoryRouter, RouterProvider, type RouteObject } from 'react-router'
import { ToastProvider } from '@/components/Toast'
import { AuthProvider } from '@/lib/auth/AuthProvider'
import { makeQueryClient } from '@/lib/queryClient'

export function renderRoutes(routes: RouteObject[], path: string) {
  const queryClient = makeQueryClient()
  const router = createMemoryRouter(routes, { initialEntries: [path] })
  const utils = render(
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <AuthProvider>
          <RouterProvider router={router} />
        </AuthProvider>
      </ToastProvider>
    </QueryClientProvider>,
  )
  return { ...utils, router, queryClient }
}

export function renderAt(path: string, element: ReactElement, extra: RouteObject[] = []) {
  return renderRoutes([{ path: path.split('?')[0]!, element }, ...extra], path)
}
