/** Invitations of the active organisation: create by e-mail or as a link, copy the link, revoke. */
import { type FormEvent, useRef, useState } from 'react'
import { Button } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { MailIcon } from '@/components/icons'
import { ErrorState } from '@/components/ErrorState'
import { Field, FormError, SelectField } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { checkEmail, compact, formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { type Invitation, type OrgRole, ROLE_LABELS, ROLE_OPTIONS, useCreateInvitation, useInvitations, useRevokeInvitation } from './api'

function invitationLink(invitation: Invitation): string {
  if (invitation.url) return invitation.url
  return `${window.location.origin}/invite/${encodeURIComponent(invitation.token ?? '')}`
}

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    // No clipboard permission (or plain HTTP): select the text so the user can copy it.
    input?.focus()
    input?.select()
    return false
  }
}

function NewLink({ invitation }: { invitation: Invitation }) {
  const toast = useToast()
  const input = useRef<HTMLInputElement>(null)
  const link = invitationLink(invitation)
  return (
    <div className="space-y-2 rounded-lg border border-emerald-300 bg-emerald-50 p-4 dark:border-emerald-800 dark:bg-emerald-950">
      <p role="status" className="text-sm font-medium">
        {invitation.email
          ? `Invitation sent to ${invitation.email}. You can also share this link with them:`
          : `Anyone with this link can join as ${ROLE_LABELS[invitation.role].toLowerCase()} until it expires or you revoke it. Copy it now: it is shown only once.`}
      </p>
      <div className="flex flex-col gap-2 sm:flex-row">
        <label htmlFor="invitation-link" className="sr-only">
          Invitation link
        </label>
        <input
          id="invitation-link"
          ref={input}
          readOnly
          value={link}
          onFocus={(event) => event.currentTarget.select()}
          className="w-full rounded-lg border border-slate-400 bg-white px-3 py-2 font-mono text-sm dark:border-slate-500 dark:bg-slate-900"
        />
        <Button
          variant="secondary"
          onClick={async () => {
            const copied = await copyText(link, input.current)
            if (copied) toast.success('Invitation link copied.')
            else toast.show('Press Ctrl+C (or ⌘+C) to copy the selected link.')
          }}
        >
          Copy link
        </Button>
      </div>
    </div>
  )
}

function CreateInvitation() {
  const create = useCreateInvitation()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  const [created, setCreated] = useState<Invitation | null>(null)
  const [role, setRole] = useState<OrgRole>('learner')

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const data = new FormData(form)
    const email = String(data.get('email') ?? '').trim()
    const days = Number(data.get('expires_in_days') ?? 7)
    const fields = compact({ email: email ? checkEmail(email) : undefined })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      const invitation = await create.mutateAsync({ role, expires_in_days: days, ...(email ? { email } : {}) })
      setCreated(invitation)
      form.reset()
    } catch (error) {
      setErrors(formErrors(error, ['email', 'role', 'expires_in_days']))
    }
  }

  return (
    <Card title="Invite someone" description="Leave the e-mail empty to make a link you can share yourself.">
      <form noValidate onSubmit={onSubmit} className="grid gap-4">
        <FormError message={errors.form} />
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="E-mail (optional)" name="email" type="email" autoComplete="off" error={errors.fields.email} />
          <SelectField
            label="Role"
            name="role"
            value={role}
            onChange={(event) => setRole(event.target.value as OrgRole)}
            options={ROLE_OPTIONS}
            error={errors.fields.role}
          />
          <SelectField
            label="Valid for"
            name="expires_in_days"
            defaultValue="7"
            options={[1, 3, 7, 14, 30].map((d) => ({ value: String(d), label: d === 1 ? '1 day' : `${d} days` }))}
            error={errors.fields.expires_in_days}
          />
        </div>
        <div>
          <Button type="submit" pending={create.isPending}>
            Create invitation
          </Button>
        </div>
        {created && <NewLink invitation={created} />}
      </form>
    </Card>
  )
}

export default function InvitationsPage() {
  const invitations = useInvitations()
  const revoke = useRevokeInvitation()
  const toast = useToast()
  const columns: Column<Invitation>[] = [
    { key: 'who', header: 'For', cell: (i) => i.email ?? <span className="italic">Anyone with the link</span> },
    { key: 'role', header: 'Role', cell: (i) => ROLE_LABELS[i.role] },
    { key: 'joined', header: 'Joined', cell: (i) => i.accepted_count },
    { key: 'expires', header: 'Expires', cell: (i) => new Date(i.expires_at).toLocaleString() },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      cell: (i) => (
        <Button
          variant="ghost"
          pending={revoke.isPending && revoke.variables === i.id}
          aria-label={`Revoke invitation for ${i.email ?? 'link'}`}
          onClick={() =>
            revoke.mutate(i.id, {
              onSuccess: () => toast.success('Invitation revoked.'),
              onError: (error) => toast.error(errorMessage(error)),
            })
          }
        >
          Revoke
        </Button>
      ),
    },
  ]
  return (
    <Page title="Invitations" description="People join your organisation through an invitation.">
      <CreateInvitation />
      <section aria-labelledby="pending-title" className="space-y-3">
        <h2 id="pending-title" className="text-lg font-semibold">
          Pending invitations
        </h2>
        {invitations.isPending && <SkeletonRows rows={3} label="Loading invitations" />}
        {invitations.isError && (
          <ErrorState message={errorMessage(invitations.error)} onRetry={() => void invitations.refetch()} />
        )}
        {invitations.data?.length === 0 && (
          <EmptyState icon={<MailIcon />} title="No pending invitations" message="Invitations you create appear here until they are used." />
        )}
        {invitations.data && invitations.data.length > 0 && (
          <Table caption="Pending invitations" columns={columns} rows={invitations.data} rowKey={(i) => i.id} />
        )}
      </section>
    </Page>
  )
}
