/** What a screen shows when there is nothing yet, and what to do next. */
import type { ReactNode } from 'react'
import { UsersIcon } from './icons'

export function EmptyState({
  title,
  message,
  action,
  icon = <UsersIcon />,
}: {
  title: string
  message: ReactNode
  action?: ReactNode
  icon?: ReactNode
}) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-center dark:border-slate-700 dark:bg-slate-900">
      <div aria-hidden="true" className="flex justify-center text-brand-700 dark:text-brand-300">
        {icon}
      </div>
      <h3 className="mt-2 text-base font-semibold">{title}</h3>
      <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{message}</p>
      {action && <div className="mt-4 flex justify-center">{action}</div>}
    </div>
  )
}
