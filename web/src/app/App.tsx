/** Providers around the router: server state, toasts, and who is signed in. */
import { QueryClientProvider } from '@tanstack/react-query'
import { useState } from 'react'
import { RouterProvider } from 'react-router'
import { ToastProvider } from '@/components/Toast'
import { AuthProvider } from '@/lib/auth/AuthProvider'
import { makeQueryClient } from '@/lib/queryClient'
import { OfflineBanner } from './OfflineBanner'
import { makeRouter } from './routes'

export function App() {
  const [queryClient] = useState(makeQueryClient)
  const [router] = useState(makeRouter)
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <AuthProvider>
          <OfflineBanner />
          <RouterProvider router={router} />
        </AuthProvider>
      </ToastProvider>
    </QueryClientProvider>
  )
}
