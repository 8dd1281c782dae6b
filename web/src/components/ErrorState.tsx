/** A failed load: a readable message and, when it can help, a way to try again. */
import type { ReactNode } from 'react'
import { Button } from './Button'

export function ErrorState({
  title = 'This could not be loaded',
  message,
  onRetry,
  action,
}: {
  title?: string
  message: string
  onRetry?: () => void
  action?: ReactNode
}) {
  return (
    <div
      role="alert"
      className="mx-auto max-w-lg rounded-xl border border-red-200 bg-white p-6 text-center dark:border-red-900 dark:bg-slate-900"
    >
      <h2 className="text-lg font-semibold text-red-800 dark:text-red-300">{title}</h2>
      <p className="mt-2 text-sm text-slate-700 dark:text-slate-300">{message}</p>
      {(onRetry || action) && (
        <div className="mt-4 flex justify-center gap-3">
          {onRetry && (
            <Button variant="secondary" onClick={onRetry}>
              Try again
            </Button>
          )}
          {action}
        </div>
      )}
    </div>
  )
}
