/** Deployments the server offers, and this organisation's own provider keys (last 4 characters only). */
import { type FormEvent, useState } from 'react'
import { Button } from '@/components/Button'
import { Dialog } from '@/components/Dialog'
import { Field, FormError, SelectField } from '@/components/Field'
import { Card } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { useToast } from '@/components/Toast'
import { ErrorState } from '@/components/ErrorState'
import { errorMessage } from '@/api/problem'
import { formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { type Deployment, KEY_PROVIDERS, type ProviderKey, providerLabel, useDeleteKey, useKeys, useProviders, useSetKey } from './api'

const SOURCE_LABELS: Record<Deployment['key_source'], string> = {
  organisation: "Your organisation's key",
  server: "The server's key",
  none: 'No key',
  not_needed: 'No key needed',
}

function Deployments() {
  const providers = useProviders()
  if (providers.isPending) return <SkeletonRows rows={3} label="Loading deployments" />
  if (providers.isError) return <ErrorState message={errorMessage(providers.error)} onRetry={() => void providers.refetch()} />
  const columns: Column<Deployment>[] = [
    { key: 'name', header: 'Deployment', cell: (d) => <span className="font-medium">{d.name}</span> },
    { key: 'provider', header: 'Provider', cell: (d) => providerLabel(d.provider) },
    { key: 'model', header: 'Model', cell: (d) => <code className="text-xs">{d.model}</code> },
    { key: 'where', header: 'Runs', cell: (d) => (d.external ? 'Outside provider' : 'On your servers') },
    { key: 'key', header: 'Key', cell: (d) => SOURCE_LABELS[d.key_source] },
    {
      key: 'usable',
      header: 'Usable',
      cell: (d) =>
        d.usable ? (
          <span className="font-medium text-emerald-800 dark:text-emerald-300">Yes</span>
        ) : (
          <span className="font-medium text-red-700 dark:text-red-400">{d.key_source === 'none' ? 'No: needs a key' : 'No: data policy'}</span>
        ),
    },
  ]
  return <Table caption="Deployments" columns={columns} rows={providers.data} rowKey={(d) => d.name} />
}

function KeyForm({ provider, onDone }: { provider?: string; onDone: () => void }) {
  const setKey = useSetKey()
  const toast = useToast()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const chosen = provider ?? String(data.get('provider'))
    const apiKey = String(data.get('api_key') ?? '').trim()
    if (apiKey.length < 8) {
      setErrors({ fields: { api_key: 'Paste the whole key (at least 8 characters).' }, form: null })
      return
    }
    try {
      const saved = await setKey.mutateAsync({ provider: chosen, apiKey })
      toast.success(`${providerLabel(saved.provider)} key saved (ends in ${saved.last4}).`)
      onDone()
    } catch (error) {
      setErrors(formErrors(error, ['api_key']))
    }
  }
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <FormError message={errors.form} />
      {!provider && <SelectField label="Provider" name="provider" options={KEY_PROVIDERS} defaultValue="openai" />}
      <Field
        label="API key"
        name="api_key"
        type="password"
        autoComplete="off"
        spellCheck={false}
        error={errors.fields.api_key}
        hint="Stored encrypted. Only its last 4 characters are ever shown again."
      />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" pending={setKey.isPending}>
          {provider ? 'Replace key' : 'Save key'}
        </Button>
      </div>
    </form>
  )
}

function Keys() {
  const keys = useKeys()
  const remove = useDeleteKey()
  const toast = useToast()
  const [adding, setAdding] = useState(false)
  const [rotating, setRotating] = useState<ProviderKey | null>(null)
  const [deleting, setDeleting] = useState<ProviderKey | null>(null)
  if (keys.isPending) return <SkeletonRows rows={2} label="Loading keys" />
  if (keys.isError) return <ErrorState message={errorMessage(keys.error)} onRetry={() => void keys.refetch()} />
  const columns: Column<ProviderKey>[] = [
    { key: 'provider', header: 'Provider', cell: (k) => <span className="font-medium">{providerLabel(k.provider)}</span> },
    { key: 'last4', header: 'Key', cell: (k) => <code aria-label={`ends in ${k.last4}`}>••••{k.last4}</code> },
    { key: 'updated', header: 'Last changed', cell: (k) => new Date(k.updated_at).toLocaleString() },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      cell: (k) => (
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setRotating(k)} aria-label={`Replace the ${providerLabel(k.provider)} key`}>
            Replace
          </Button>
          <Button variant="ghost" onClick={() => setDeleting(k)} aria-label={`Delete the ${providerLabel(k.provider)} key`}>
            Delete
          </Button>
        </div>
      ),
    },
  ]
  return (
    <div className="space-y-3">
      {keys.data.length ? (
        <Table caption="Your organisation's keys" columns={columns} rows={keys.data} rowKey={(k) => k.provider} />
      ) : (
        <p className="text-sm text-slate-700 dark:text-slate-300">
          None: deployments use the server's keys (if any). Add your own to be billed on your provider account.
        </p>
      )}
      <Button onClick={() => setAdding(true)}>Add a key</Button>
      <Dialog open={adding} title="Add a provider key" onClose={() => setAdding(false)}>
        {adding && <KeyForm onDone={() => setAdding(false)} />}
      </Dialog>
      <Dialog open={rotating !== null} title={`Replace the ${rotating ? providerLabel(rotating.provider) : ''} key`} onClose={() => setRotating(null)}>
        {rotating && <KeyForm provider={rotating.provider} onDone={() => setRotating(null)} />}
      </Dialog>
      <Dialog
        open={deleting !== null}
        title="Delete this key?"
        onClose={() => setDeleting(null)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setDeleting(null)}>
              Keep it
            </Button>
            <Button
              variant="danger"
              pending={remove.isPending}
              onClick={async () => {
                if (!deleting) return
                try {
                  await remove.mutateAsync(deleting.provider)
                  toast.success('Key deleted.')
                } catch (error) {
                  toast.error(errorMessage(error))
                }
                setDeleting(null)
              }}
            >
              Delete key
            </Button>
          </>
        }
      >
        <p className="text-sm">
          The key ending in {deleting?.last4} will be forgotten. Deployments of this provider then use the server's key, if there is one.
        </p>
      </Dialog>
    </div>
  )
}

export function ProvidersSection() {
  return (
    <div className="space-y-6">
      <Card title="Your provider keys" description="Keys of your own organisation replace the server's for that provider.">
        <Keys />
      </Card>
      <Card title="Deployments" description="The models this server offers, and whether your organisation can use each.">
        <Deployments />
      </Card>
    </div>
  )
}
