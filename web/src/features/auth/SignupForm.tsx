/** The sign-up form, also used on the invitation page (with the invitation's token). */
import { type FormEvent, useState } from 'react'
import { Button } from '@/components/Button'
import { Field, FormError } from '@/components/Field'
import { useAuth } from '@/lib/auth/context'
import { checkEmail, checkNewPassword, checkRequired, compact, formErrors, type FormErrors, MIN_PASSWORD, NO_ERRORS } from '@/lib/forms'
import { useSignup } from './api'

const FIELDS = ['email', 'password', 'display_name']

export function SignupForm({
  invitationToken,
  email: presetEmail,
  onDone,
}: {
  invitationToken?: string
  email?: string | null
  onDone: () => void
}) {
  const { acceptTokens } = useAuth()
  const signup = useSignup()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const email = String(data.get('email') ?? '').trim()
    const password = String(data.get('password') ?? '')
    const displayName = String(data.get('display_name') ?? '').trim()
    const fields = compact({
      display_name: checkRequired(displayName, 'Enter your name.'),
      email: checkEmail(email),
      password: checkNewPassword(password),
    })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      const pair = await signup.mutateAsync({
        email,
        password,
        display_name: displayName,
        ...(invitationToken ? { invitation_token: invitationToken } : {}),
      })
      await acceptTokens(pair, { resetCache: true })
      onDone()
    } catch (error) {
      setErrors(formErrors(error, FIELDS))
    }
  }

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-4">
      <FormError message={errors.form} />
      <Field label="Your name" name="display_name" autoComplete="name" required maxLength={100} error={errors.fields.display_name} />
      <Field
        label="E-mail"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={presetEmail ?? undefined}
        error={errors.fields.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD}
        hint={`At least ${MIN_PASSWORD} characters.`}
        error={errors.fields.password}
      />
      <Button type="submit" className="w-full" pending={signup.isPending}>
        Create account
      </Button>
    </form>
  )
}
