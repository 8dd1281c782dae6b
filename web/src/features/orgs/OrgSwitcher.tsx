/** The active organisation in the app bar; a menu to switch when there are several. */
import { useId } from 'react'
import { useNavigate } from 'react-router'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { useSwitchOrganisation } from './api'

const NEW = '__new__'

export function OrgSwitcher() {
  const { me } = useAuth()
  const switchTo = useSwitchOrganisation()
  const navigate = useNavigate()
  const toast = useToast()
  const id = useId()
  if (!me) return null
  const active = me.active_organisation
  return (
    <div className="flex min-w-0 flex-1 items-center">
      <label htmlFor={id} className="sr-only">
        Active organisation
      </label>
      <select
        id={id}
        value={active?.id ?? ''}
        disabled={switchTo.isPending}
        onChange={(event) => {
          const value = event.target.value
          if (value === NEW) {
            navigate('/orgs/new')
            return
          }
          const target = me.memberships.find((m) => m.organisation_id === value)
          switchTo.mutate(value, {
            onSuccess: () => {
              toast.success(`You are now in ${target?.name ?? 'the organisation'}.`)
              navigate('/')
            },
            onError: (error) => toast.error(errorMessage(error)),
          })
        }}
        className="w-full min-w-0 max-w-xs truncate rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900"
      >
        {!active && <option value="">No organisation</option>}
        {me.memberships.map((m) => (
          <option key={m.organisation_id} value={m.organisation_id}>
            {m.name}
          </option>
        ))}
        <option value={NEW}>+ New organisation…</option>
      </select>
    </div>
  )
}
