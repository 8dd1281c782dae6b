/** A failed load: a readable message and, when it can help, a way to try again. */
import { type ReactNode, useEffect } from 'react'
import { Button } from './Button'

export function ErrorState({
  title = 'This could not be loaded',
  message,
  onRetry,
  action,
  page = false,
}: {
  /** The whole page failed: the title is its h1 and the document title. */
  page?: boolean
  title?: string
  message: string
  onRetry?: () => void
  action?: ReactNode
}) {
  useEffect(() => {
    if (page) document.title = `${title} · StarGuide`
  }, [page, title])
  const Heading = page ? 'h1' : 'h2'
  return (
    <div
      role="alert"
      className="mx-auto max-w-lg rounded-xl border border-red-200 bg-white p-6 text-center dark:border-red-900 dark:bg-slate-900"
    >
      <Heading className="text-lg font-semibold text-red-800 dark:text-red-300">{title}</Heading>
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
