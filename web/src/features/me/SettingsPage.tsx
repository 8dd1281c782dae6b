/** Profile and preferences: name, time zone, locale, theme. */
import { type FormEvent, useMemo, useState } from 'react'
import { Link } from 'react-router'
import { Button } from '@/components/Button'
import { Field, FormError, SelectField } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { PageSpinner } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { checkRequired, compact, formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { setTheme, storedTheme, type ThemeChoice } from '@/lib/theme'
import { useResendVerification, useUpdateMe } from './api'
import { localeOptions, timeZones } from './options'

export default function SettingsPage() {
  const { me } = useAuth()
  const update = useUpdateMe()
  const resend = useResendVerification()
  const toast = useToast()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  const [theme, setThemeChoice] = useState<ThemeChoice>(storedTheme)
  const zones = useMemo(() => timeZones(me?.time_zone ?? 'UTC').map((z) => ({ value: z, label: z })), [me?.time_zone])

  if (!me) return <PageSpinner label="Loading your profile" />

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const displayName = String(data.get('display_name') ?? '').trim()
    const fields = compact({ display_name: checkRequired(displayName, 'Enter your name.') })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      await update.mutateAsync({
        display_name: displayName,
        time_zone: String(data.get('time_zone')),
        locale: String(data.get('locale')),
      })
      toast.success('Your profile is saved.')
    } catch (error) {
      setErrors(formErrors(error, ['display_name', 'time_zone', 'locale']))
    }
  }

  return (
    <Page
      title="Profile and settings"
      description="How you appear to others, and how StarGuide shows dates and text."
      actions={
        me.active_organisation && (
          <Link to="/settings/learning" className="text-sm font-medium text-brand-700 underline dark:text-brand-300">
            Learning settings
          </Link>
        )
      }
    >
      <Card title="Profile">
        <form noValidate onSubmit={onSubmit} className="grid gap-4 sm:max-w-lg">
          <FormError message={errors.form} />
          <Field label="Your name" name="display_name" defaultValue={me.display_name} maxLength={100} autoComplete="name" error={errors.fields.display_name} />
          <div className="space-y-1">
            <p className="text-sm font-medium text-slate-800 dark:text-slate-200">E-mail</p>
            <p className="text-sm">
              {me.email}{' '}
              {me.email_verified ? (
                <span className="text-emerald-800 dark:text-emerald-300">(confirmed)</span>
              ) : (
                <Button
                  variant="ghost"
                  className="min-h-0 px-2 py-1"
                  pending={resend.isPending}
                  onClick={() =>
                    resend.mutate(undefined, {
                      onSuccess: () => toast.success('A confirmation e-mail is on its way.'),
                      onError: (error) => toast.error(errorMessage(error)),
                    })
                  }
                >
                  Send confirmation e-mail again
                </Button>
              )}
            </p>
          </div>
          <SelectField
            label="Time zone"
            name="time_zone"
            defaultValue={me.time_zone}
            options={zones}
            hint="Streaks and deadlines follow your own day."
            error={errors.fields.time_zone}
          />
          <SelectField label="Language and region" name="locale" defaultValue={me.locale} options={localeOptions(me.locale)} error={errors.fields.locale} />
          <div>
            <Button type="submit" pending={update.isPending}>
              Save profile
            </Button>
          </div>
        </form>
      </Card>
      <Card title="Appearance">
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800 dark:text-slate-200">Theme</legend>
          {(['system', 'light', 'dark'] as const).map((choice) => (
            <label key={choice} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name="theme"
                value={choice}
                checked={theme === choice}
                onChange={() => {
                  setTheme(choice)
                  setThemeChoice(choice)
                }}
                className="size-4 accent-brand-700"
              />
              {choice === 'system' ? 'Same as my device' : choice === 'light' ? 'Light' : 'Dark'}
            </label>
          ))}
        </fieldset>
      </Card>
    </Page>
  )
}
