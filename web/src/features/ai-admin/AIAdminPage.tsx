/** AI settings of the organisation (admins): providers and keys, aliases, budgets and policy, usage. */
import { NavLink, Navigate, useParams } from 'react-router'
import { cx } from '@/components/cx'
import { Page } from '@/components/Page'
import { AliasesSection } from './AliasesSection'
import { BudgetsSection } from './BudgetsSection'
import { ProvidersSection } from './ProvidersSection'
import { UsageSection } from './UsageSection'

const SECTIONS = [
  { path: 'providers', label: 'Providers & keys', element: <ProvidersSection /> },
  { path: 'aliases', label: 'Aliases', element: <AliasesSection /> },
  { path: 'budgets', label: 'Budgets & policy', element: <BudgetsSection /> },
  { path: 'usage', label: 'Usage', element: <UsageSection /> },
] as const

export default function AIAdminPage() {
  const { section } = useParams()
  const current = SECTIONS.find((s) => s.path === section)
  if (!current) return <Navigate to="/admin/ai/providers" replace />
  return (
    <Page title="AI settings" description="Which AI models your organisation uses, with whose keys, and what it may spend.">
      <nav aria-label="AI settings" className="-mt-2 overflow-x-auto">
        <ul className="flex gap-1 border-b border-slate-200 dark:border-slate-800">
          {SECTIONS.map((s) => (
            <li key={s.path}>
              <NavLink
                to={`/admin/ai/${s.path}`}
                className={({ isActive }) =>
                  cx(
                    '-mb-px block whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium',
                    isActive
                      ? 'border-brand-700 text-brand-800 dark:border-brand-300 dark:text-brand-300'
                      : 'border-transparent text-slate-700 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white',
                  )
                }
              >
                {s.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {current.element}
    </Page>
  )
}
