/** My organisations, and switching the active one. */
import { Button, ButtonLink } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { ROLE_LABELS, useMyOrgs, useSwitchOrganisation } from './api'

export default function OrgsPage() {
  const orgs = useMyOrgs()
  const { me } = useAuth()
  const switchTo = useSwitchOrganisation()
  const toast = useToast()
  const activeId = me?.active_organisation?.id

  return (
    <Page
      title="Your organisations"
      actions={
        <ButtonLink variant="secondary" to="/orgs/new">
          Create an organisation
        </ButtonLink>
      }
    >
      {orgs.isPending && <SkeletonRows rows={3} label="Loading your organisations" />}
      {orgs.isError && <ErrorState message={errorMessage(orgs.error)} onRetry={() => void orgs.refetch()} />}
      {orgs.data?.length === 0 && (
        <EmptyState
          title="You are not in an organisation yet"
          message="Open the invitation link you were sent, or create an organisation of your own."
        />
      )}
      {orgs.data && orgs.data.length > 0 && (
        <ul className="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
          {orgs.data.map((org) => (
            <li key={org.organisation_id} className="flex flex-wrap items-center justify-between gap-3 p-4">
              <div>
                <p className="font-semibold">{org.name}</p>
                <p className="text-sm text-slate-700 dark:text-slate-300">{ROLE_LABELS[org.role]}</p>
              </div>
              {org.organisation_id === activeId ? (
                <span className="text-sm font-semibold text-emerald-800 dark:text-emerald-300">Active</span>
              ) : (
                <Button
                  variant="secondary"
                  pending={switchTo.isPending && switchTo.variables === org.organisation_id}
                  aria-label={`Switch to ${org.name}`}
                  onClick={() =>
                    switchTo.mutate(org.organisation_id, {
                      onSuccess: () => toast.success(`You are now in ${org.name}.`),
                      onError: (error) => toast.error(errorMessage(error)),
                    })
                  }
                >
                  Switch
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Page>
  )
}
