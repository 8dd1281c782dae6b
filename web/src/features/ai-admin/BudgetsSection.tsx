/** The data policy and the budgets: a monthly cap for the organisation, a daily cap per learner. */
import { type FormEvent, useState } from 'react'
import { Button } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Field, FormError } from '@/components/Field'
import { Card } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { type AISettings, type AISettingsUpdate, useAISettings, useUpdateSettings, usd } from './api'

function Policy({ settings }: { settings: AISettings }) {
  const update = useUpdateSettings()
  const toast = useToast()
  return (
    <Card
      title="Data policy"
      description="When outside providers are not allowed, your learners' messages only go to models on your own servers and to the offline mentor."
    >
      <label className="flex items-start gap-3">
        <input
          type="checkbox"
          className="mt-1 size-4"
          checked={settings.allow_external}
          disabled={update.isPending}
          onChange={async (e) => {
            try {
              await update.mutateAsync({ allow_external: e.target.checked })
              toast.success(e.target.checked ? 'Outside providers allowed.' : 'Learners’ data now stays on your servers.')
            } catch (error) {
              toast.error(errorMessage(error))
            }
          }}
        />
        <span>
          <span className="block font-medium">Allow outside AI providers (OpenAI, Anthropic, Gemini…)</span>
          <span className="block text-sm text-slate-700 dark:text-slate-300">
            {settings.allow_external ? 'Allowed.' : 'Not allowed: only self-hosted models and the offline mentor are used.'}
          </span>
        </span>
      </label>
    </Card>
  )
}

function parseAmount(value: string): number | null | 'invalid' {
  const trimmed = value.trim()
  if (!trimmed) return null
  const amount = Number(trimmed)
  return Number.isFinite(amount) && amount >= 0 ? amount : 'invalid'
}

function Budgets({ settings }: { settings: AISettings }) {
  const update = useUpdateSettings()
  const toast = useToast()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const monthly = parseAmount(String(data.get('monthly_budget_usd') ?? ''))
    const daily = parseAmount(String(data.get('learner_daily_budget_usd') ?? ''))
    const fields: Record<string, string> = {}
    if (monthly === 'invalid') fields.monthly_budget_usd = 'Enter an amount in US dollars, like 50 or 12.5.'
    if (daily === 'invalid') fields.learner_daily_budget_usd = 'Enter an amount in US dollars, like 0.25.'
    if (Object.keys(fields).length) {
      setErrors({ fields, form: null })
      return
    }
    const body: AISettingsUpdate = {
      ...(monthly === null ? { clear_monthly_budget: true } : { monthly_budget_usd: monthly as number }),
      ...(daily === null ? { clear_learner_daily_budget: true } : { learner_daily_budget_usd: daily as number }),
    }
    try {
      await update.mutateAsync(body)
      setErrors(NO_ERRORS)
      toast.success('Budgets saved.')
    } catch (error) {
      setErrors(formErrors(error, ['monthly_budget_usd', 'learner_daily_budget_usd']))
    }
  }

  return (
    <Card title="Budgets" description="Caps in US dollars, in UTC periods. Leave a field empty to use the server's default.">
      <form onSubmit={onSubmit} className="space-y-4" noValidate key={`${settings.monthly_budget_usd}:${settings.learner_daily_budget_usd}`}>
        <FormError message={errors.form} />
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Organisation, per month (USD)"
            name="monthly_budget_usd"
            inputMode="decimal"
            defaultValue={settings.monthly_budget_usd ?? ''}
            error={errors.fields.monthly_budget_usd}
            hint={`In force: ${settings.effective_monthly_budget_usd === null ? 'no cap' : usd(settings.effective_monthly_budget_usd)}`}
          />
          <Field
            label="Each learner, per day (USD)"
            name="learner_daily_budget_usd"
            inputMode="decimal"
            defaultValue={settings.learner_daily_budget_usd ?? ''}
            error={errors.fields.learner_daily_budget_usd}
            hint={`In force: ${settings.effective_learner_daily_budget_usd === null ? 'no cap' : usd(settings.effective_learner_daily_budget_usd)}`}
          />
        </div>
        <p className="text-sm text-slate-700 dark:text-slate-300">
          A learner over their daily cap is told kindly when the mentor will be back; over the monthly cap, the whole organisation is.
        </p>
        <div className="flex justify-end">
          <Button type="submit" pending={update.isPending}>
            Save budgets
          </Button>
        </div>
      </form>
    </Card>
  )
}

export function BudgetsSection() {
  const settings = useAISettings()
  if (settings.isPending) return <SkeletonRows rows={4} label="Loading settings" />
  if (settings.isError) return <ErrorState message={errorMessage(settings.error)} onRetry={() => void settings.refetch()} />
  return (
    <div className="space-y-6">
      <Budgets settings={settings.data} />
      <Policy settings={settings.data} />
    </div>
  )
}
