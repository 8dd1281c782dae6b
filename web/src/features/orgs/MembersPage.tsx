/** Members of the active organisation: search, filter by role, page; admins change roles and remove. */
import { useDeferredValue, useState } from 'react'
import { Button, ButtonLink } from '@/components/Button'
import { Dialog } from '@/components/Dialog'
import { EmptyState } from '@/components/EmptyState'
import { SearchIcon, UsersIcon } from '@/components/icons'
import { ErrorState } from '@/components/ErrorState'
import { Field, SelectField } from '@/components/Field'
import { Page } from '@/components/Page'
import { SkeletonRows, Spinner } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { type Member, type OrgRole, ROLE_LABELS, ROLE_OPTIONS, useChangeRole, useMembers, useRemoveMember } from './api'

const PAGE_SIZE = 20

function RoleCell({ member, editable }: { member: Member; editable: boolean }) {
  const change = useChangeRole()
  const toast = useToast()
  if (!editable) return <>{ROLE_LABELS[member.role]}</>
  return (
    <div className="flex items-center gap-2">
      <label className="sr-only" htmlFor={`role-${member.user_id}`}>
        Role of {member.display_name}
      </label>
      <select
        id={`role-${member.user_id}`}
        value={change.isPending && change.variables ? change.variables.role : member.role}
        disabled={change.isPending}
        onChange={(event) =>
          change.mutate(
            { userId: member.user_id, role: event.target.value as OrgRole },
            {
              onSuccess: (updated) =>
                toast.success(`${member.display_name} is now ${ROLE_LABELS[updated.role].toLowerCase()}.`),
              onError: (error) => toast.error(errorMessage(error)),
            },
          )
        }
        className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900"
      >
        {ROLE_OPTIONS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {change.isPending && <Spinner label="Saving role" />}
    </div>
  )
}

export default function MembersPage() {
  const { role, me } = useAuth()
  const isAdmin = role === 'org_admin'
  const [search, setSearch] = useState('')
  const q = useDeferredValue(search.trim())
  const [roleFilter, setRoleFilter] = useState<OrgRole | ''>('')
  const [offset, setOffset] = useState(0)
  const members = useMembers({ q, role: roleFilter, limit: PAGE_SIZE, offset })
  const remove = useRemoveMember()
  const toast = useToast()
  const [removing, setRemoving] = useState<Member | null>(null)

  const columns: Column<Member>[] = [
    {
      key: 'name',
      header: 'Name',
      cell: (m) => (
        <div>
          <p className="font-medium">
            {m.display_name}
            {m.user_id === me?.id && <span className="ml-1 text-slate-700 dark:text-slate-300">(you)</span>}
          </p>
          <p className="text-slate-700 dark:text-slate-300">{m.email}</p>
        </div>
      ),
    },
    { key: 'role', header: 'Role', cell: (m) => <RoleCell member={m} editable={isAdmin} /> },
    { key: 'joined', header: 'Joined', cell: (m) => new Date(m.joined_at).toLocaleDateString() },
  ]
  if (isAdmin) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      cell: (m) => (
        <Button variant="ghost" onClick={() => setRemoving(m)} aria-label={`Remove ${m.display_name}`}>
          Remove
        </Button>
      ),
    })
  }

  const total = members.data?.total ?? 0
  const last = Math.min(offset + PAGE_SIZE, total)

  return (
    <Page
      title="Members"
      description="Everyone in this organisation and their role."
      actions={isAdmin && <ButtonLink to="/admin/invitations">Invite people</ButtonLink>}
    >
      <div className="grid gap-3 sm:grid-cols-[1fr_14rem]">
        <Field
          label="Search by name or e-mail"
          type="search"
          value={search}
          maxLength={100}
          onChange={(event) => {
            setSearch(event.target.value)
            setOffset(0)
          }}
        />
        <SelectField
          label="Role"
          value={roleFilter}
          options={[{ value: '', label: 'All roles' }, ...ROLE_OPTIONS]}
          onChange={(event) => {
            setRoleFilter(event.target.value as OrgRole | '')
            setOffset(0)
          }}
        />
      </div>
      {members.isPending && <SkeletonRows rows={5} label="Loading members" />}
      {members.isError && <ErrorState message={errorMessage(members.error)} onRetry={() => void members.refetch()} />}
      {members.data && members.data.items.length === 0 && (
        <EmptyState
          icon={q || roleFilter ? <SearchIcon /> : <UsersIcon />}
          title={q || roleFilter ? 'No member matches' : 'No members yet'}
          message={q || roleFilter ? 'Try another search or role.' : 'Invite people to join this organisation.'}
        />
      )}
      {members.data && members.data.items.length > 0 && (
        <>
          <div aria-busy={members.isFetching} className={members.isPlaceholderData ? 'opacity-60' : undefined}>
            <Table caption="Members" columns={columns} rows={members.data.items} rowKey={(m) => m.user_id} />
          </div>
          <nav aria-label="Pages of members" className="flex flex-wrap items-center justify-between gap-3 text-sm">
            <p aria-live="polite">
              {offset + 1}–{last} of {total}
            </p>
            <div className="flex gap-2">
              <Button variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                Previous
              </Button>
              <Button variant="secondary" disabled={last >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
                Next
              </Button>
            </div>
          </nav>
        </>
      )}
      <Dialog
        open={removing !== null}
        title="Remove this member?"
        onClose={() => setRemoving(null)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setRemoving(null)}>
              Cancel
            </Button>
            <Button
              variant="danger"
              pending={remove.isPending}
              onClick={() => {
                if (!removing) return
                const who = removing
                remove.mutate(who.user_id, {
                  onSuccess: () => {
                    toast.success(`${who.display_name} was removed.`)
                    setRemoving(null)
                  },
                  onError: (error) => toast.error(errorMessage(error)),
                })
              }}
            >
              Remove
            </Button>
          </>
        }
      >
        <p className="text-sm">
          {removing?.display_name} ({removing?.email}) will lose access to this organisation at once. Their account
          is kept; you can invite them again later.
        </p>
      </Dialog>
    </Page>
  )
}
