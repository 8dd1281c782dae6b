/** Ask for a password reset link by e-mail. */
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { Button } from '@/components/Button'
import { Field, FormError } from '@/components/Field'
import { checkEmail, compact, formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { useForgotPassword } from './api'
import { AuthLayout, linkClass } from './AuthLayout'

export default function ForgotPasswordPage() {
  const forgot = useForgotPassword()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  const [sentTo, setSentTo] = useState<string | null>(null)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const email = String(new FormData(event.currentTarget).get('email') ?? '').trim()
    const fields = compact({ email: checkEmail(email) })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      await forgot.mutateAsync(email)
      setSentTo(email)
    } catch (error) {
      setErrors(formErrors(error, ['email']))
    }
  }

  return (
    <AuthLayout
      title="Reset your password"
      subtitle="We will e-mail you a link to choose a new password."
      footer={
        <Link className={linkClass} to="/login">
          Back to sign in
        </Link>
      }
    >
      {sentTo ? (
        <p role="status" className="text-sm">
          If an account exists for <strong>{sentTo}</strong>, a reset link is on its way. It works for a limited
          time; check your spam folder if it does not arrive.
        </p>
      ) : (
        <form noValidate onSubmit={onSubmit} className="space-y-4">
          <FormError message={errors.form} />
          <Field label="E-mail" name="email" type="email" autoComplete="email" required error={errors.fields.email} />
          <Button type="submit" className="w-full" pending={forgot.isPending}>
            Send reset link
          </Button>
        </form>
      )}
    </AuthLayout>
  )
}
