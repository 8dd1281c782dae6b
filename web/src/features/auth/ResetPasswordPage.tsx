/** Choose a new password with the token from the e-mailed link (`/reset-password?token=`). */
import { type FormEvent, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { Button, ButtonLink } from '@/components/Button'
import { Field, FormError } from '@/components/Field'
import { checkNewPassword, compact, formErrors, type FormErrors, MIN_PASSWORD, NO_ERRORS } from '@/lib/forms'
import { useResetPassword } from './api'
import { AuthLayout, linkClass } from './AuthLayout'

export default function ResetPasswordPage() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const reset = useResetPassword()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const password = String(data.get('new_password') ?? '')
    const repeat = String(data.get('repeat') ?? '')
    const fields = compact({
      new_password: checkNewPassword(password),
      repeat: password === repeat ? undefined : 'The two passwords are not the same.',
    })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      await reset.mutateAsync({ token, new_password: password })
    } catch (error) {
      setErrors(formErrors(error, ['new_password']))
    }
  }

  if (!token) {
    return (
      <AuthLayout title="This link is incomplete">
        <p className="text-sm">Open the link from the e-mail again, or ask for a new one.</p>
        <ButtonLink className="mt-4 w-full" to="/forgot-password">
          Ask for a new link
        </ButtonLink>
      </AuthLayout>
    )
  }
  return (
    <AuthLayout
      title="Choose a new password"
      footer={
        <Link className={linkClass} to="/login">
          Back to sign in
        </Link>
      }
    >
      {reset.isSuccess ? (
        <div role="status" className="space-y-4 text-sm">
          <p>Your password has been changed. Sign in with the new one.</p>
          <ButtonLink className="w-full" to="/login">
            Sign in
          </ButtonLink>
        </div>
      ) : (
        <form noValidate onSubmit={onSubmit} className="space-y-4">
          <FormError message={errors.form} />
          <Field
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD}
            hint={`At least ${MIN_PASSWORD} characters.`}
            error={errors.fields.new_password}
          />
          <Field label="Repeat the new password" name="repeat" type="password" autoComplete="new-password" error={errors.fields.repeat} />
          <Button type="submit" className="w-full" pending={reset.isPending}>
            Change password
          </Button>
        </form>
      )}
    </AuthLayout>
  )
}
