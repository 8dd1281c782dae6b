/** Model aliases: which deployments each uses for this organisation, in order, and its strategy. */
import { useState } from 'react'
import { Button } from '@/components/Button'
import { Card } from '@/components/Page'
import { ErrorState } from '@/components/ErrorState'
import { FormError } from '@/components/Field'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { type Alias, type Deployment, useAliases, useProviders, useResetAlias, useSetAlias } from './api'
import { TryAlias } from './TryAlias'

const STRATEGIES: Record<string, string> = {
  priority: 'in the order listed',
  latency: 'fastest first (measured time to first token)',
  cost: 'cheapest first for each request',
}

function AliasEditor({ alias, deployments }: { alias: Alias; deployments: Deployment[] }) {
  const [chosen, setChosen] = useState<string[]>(alias.deployments)
  const [error, setError] = useState<string | null>(null)
  const setAlias = useSetAlias()
  const reset = useResetAlias()
  const toast = useToast()
  const dirty = chosen.join('\n') !== alias.deployments.join('\n')
  const available = deployments.filter((d) => !chosen.includes(d.name))
  const usable = new Map(deployments.map((d) => [d.name, d.usable]))

  function move(index: number, by: -1 | 1) {
    const next = [...chosen]
    const [item] = next.splice(index, 1)
    next.splice(index + by, 0, item!)
    setChosen(next)
  }

  async function save() {
    setError(null)
    try {
      await setAlias.mutateAsync({ alias: alias.alias, deployments: chosen })
      toast.success(`${alias.alias} saved.`)
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <Card title={alias.alias} description={`Strategy: ${alias.strategy} — ${STRATEGIES[alias.strategy] ?? alias.strategy}. ${alias.customised ? 'Chosen by your organisation.' : "The server's choice."}`}>
      <div className="space-y-3">
        <FormError message={error} />
        <ol aria-label={`Deployments of ${alias.alias}`} className="space-y-2">
          {chosen.map((name, index) => (
            <li key={name} className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 px-3 py-2 dark:border-slate-700">
              <span className="w-6 text-sm text-slate-600 dark:text-slate-400">{index + 1}.</span>
              <span className="flex-1 font-medium">{name}</span>
              {usable.get(name) === false && <span className="text-xs font-medium text-red-700 dark:text-red-400">not usable</span>}
              <Button variant="ghost" className="min-h-8 px-2" disabled={index === 0} onClick={() => move(index, -1)} aria-label={`Move ${name} up`}>
                ↑
              </Button>
              <Button variant="ghost" className="min-h-8 px-2" disabled={index === chosen.length - 1} onClick={() => move(index, 1)} aria-label={`Move ${name} down`}>
                ↓
              </Button>
              <Button variant="ghost" className="min-h-8 px-2" disabled={chosen.length === 1} onClick={() => setChosen(chosen.filter((n) => n !== name))} aria-label={`Remove ${name}`}>
                Remove
              </Button>
            </li>
          ))}
        </ol>
        <div className="flex flex-wrap items-center gap-2">
          {available.length > 0 && (
            <label className="text-sm font-medium">
              Add
              <select
                className="ml-2 rounded-lg border border-slate-400 bg-white px-2 py-1 dark:border-slate-500 dark:bg-slate-900"
                value=""
                onChange={(e) => e.target.value && setChosen([...chosen, e.target.value])}
              >
                <option value="">a deployment…</option>
                {available.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name} ({d.model})
                  </option>
                ))}
              </select>
            </label>
          )}
          <div className="ml-auto flex gap-2">
            {alias.customised && (
              <Button
                variant="secondary"
                pending={reset.isPending}
                onClick={async () => {
                  try {
                    await reset.mutateAsync(alias.alias)
                    toast.success(`${alias.alias} uses the server's deployments again.`)
                  } catch (err) {
                    setError(errorMessage(err))
                  }
                }}
              >
                Use the server's
              </Button>
            )}
            <Button disabled={!dirty} pending={setAlias.isPending} onClick={save}>
              Save
            </Button>
          </div>
        </div>
        <TryAlias alias={alias.alias} />
      </div>
    </Card>
  )
}

export function AliasesSection() {
  const aliases = useAliases()
  const providers = useProviders()
  if (aliases.isPending || providers.isPending) return <SkeletonRows rows={4} label="Loading aliases" />
  if (aliases.isError) return <ErrorState message={errorMessage(aliases.error)} onRetry={() => void aliases.refetch()} />
  if (providers.isError) return <ErrorState message={errorMessage(providers.error)} onRetry={() => void providers.refetch()} />
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        Features call a model by alias (the mentor uses <code>mentor-default</code>). When a deployment fails, the next one is tried.
      </p>
      {aliases.data.map((alias) => (
        <AliasEditor key={`${alias.alias}:${alias.deployments.join(',')}`} alias={alias} deployments={providers.data} />
      ))}
    </div>
  )
}
