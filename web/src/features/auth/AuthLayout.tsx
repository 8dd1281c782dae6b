/** The frame of the signed-out screens: the brand and one centred card. */
import { type ReactNode, useEffect } from 'react'
import { Link } from 'react-router'

export function AuthLayout({ title, subtitle, children, footer }: {
  title: string
  subtitle?: ReactNode
  children: ReactNode
  footer?: ReactNode
}) {
  useEffect(() => {
    document.title = `${title} · StarGuide`
  }, [title])
  return (
    <main id="main" className="flex min-h-dvh flex-col items-center justify-center px-4 py-10">
      <Link to="/" className="mb-6 flex items-center gap-2 text-xl font-bold text-brand-700 dark:text-brand-300">
        <span aria-hidden="true">★</span> StarGuide
      </Link>
      <div className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900 sm:p-8">
        <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{subtitle}</p>}
        <div className="mt-6">{children}</div>
      </div>
      {footer && <div className="mt-6 text-sm text-slate-700 dark:text-slate-300">{footer}</div>}
    </main>
  )
}

export const linkClass = 'font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-300'
