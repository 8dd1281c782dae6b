/** Send a short prompt through an alias (`POST /ai/try`) and watch the answer stream, to check a setup. */
import { type FormEvent, useRef, useState } from 'react'
import { ApiError, errorMessage, type Problem } from '@/api/problem'
import { Button } from '@/components/Button'
import { Field } from '@/components/Field'
import { authFetch } from '@/lib/auth/session'
import { readEvents } from '@/lib/sse'
import { usd } from './api'

interface Outcome {
  ok: boolean
  text: string
  detail: string
}

function describe(data: Record<string, unknown>): string {
  const parts = [
    data.deployment ? `answered by ${String(data.deployment)}` : null,
    typeof data.input_tokens === 'number' ? `${data.input_tokens} tokens in, ${String(data.output_tokens)} out${data.estimated ? ' (estimated)' : ''}` : null,
    typeof data.cost_usd === 'number' ? `cost ${usd(data.cost_usd)}` : null,
  ]
  return parts.filter(Boolean).join(' · ')
}

export function TryAlias({ alias }: { alias: string }) {
  const [running, setRunning] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const controller = useRef<AbortController | null>(null)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const prompt = String(new FormData(event.currentTarget).get('prompt') ?? '').trim() || 'Say hello in five words.'
    const abort = new AbortController()
    controller.current = abort
    setRunning(true)
    setOutcome({ ok: true, text: '', detail: '' })
    try {
      const response = await authFetch(
        new Request(`${globalThis.location?.origin ?? ''}/api/v1/ai/try`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
          body: JSON.stringify({ alias, prompt, max_tokens: 64 }),
          signal: abort.signal,
        }),
      )
      if (!response.ok || !response.body) {
        const problem = (await response.json().catch(() => null)) as Problem | null
        throw new ApiError(response.status, problem && 'status' in problem ? problem : null)
      }
      for await (const sse of readEvents(response.body, abort.signal)) {
        let data: Record<string, unknown> = {}
        try {
          data = JSON.parse(sse.data) as Record<string, unknown>
        } catch {
          // ignore a malformed event
        }
        if (sse.event === 'delta') setOutcome((o) => ({ ok: true, text: (o?.text ?? '') + String(data.text ?? ''), detail: '' }))
        else if (sse.event === 'done') setOutcome((o) => ({ ok: true, text: o?.text ?? '', detail: describe(data) }))
        else if (sse.event === 'error') setOutcome((o) => ({ ok: false, text: o?.text ?? '', detail: String(data.detail ?? data.title ?? 'The call failed.') }))
      }
    } catch (error) {
      if (!abort.signal.aborted) setOutcome({ ok: false, text: '', detail: errorMessage(error) })
    } finally {
      controller.current = null
      setRunning(false)
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-2 border-t border-slate-200 pt-3 dark:border-slate-700">
      <div className="flex flex-wrap items-end gap-2">
        <div className="min-w-[14rem] flex-1">
          <Field label={`Try ${alias}`} name="prompt" placeholder="Say hello in five words." maxLength={2000} hint="Metered and charged like any call." />
        </div>
        {running ? (
          <Button variant="secondary" onClick={() => controller.current?.abort()}>
            Stop
          </Button>
        ) : (
          <Button type="submit" variant="secondary">
            Send
          </Button>
        )}
      </div>
      {outcome && (outcome.text || outcome.detail) && (
        <div aria-live="polite" className="rounded-lg bg-slate-100 p-3 text-sm dark:bg-slate-800">
          {outcome.text && <p className="whitespace-pre-wrap">{outcome.text}</p>}
          {outcome.detail && <p className={outcome.ok ? 'mt-1 text-slate-700 dark:text-slate-300' : 'mt-1 font-medium text-red-700 dark:text-red-400'}>{outcome.detail}</p>}
        </div>
      )}
    </form>
  )
}
