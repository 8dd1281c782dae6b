/** Sign in with e-mail and password. */
import { type FormEvent, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { Button } from '@/components/Button'
import { Field, FormError } from '@/components/Field'
import { ApiError } from '@/api/problem'
import { useAuth } from '@/lib/auth/context'
import { safeNext } from '@/lib/auth/guards'
import { checkEmail, checkRequired, compact, formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { useLogin } from './api'
import { AuthLayout, linkClass } from './AuthLayout'

export default function LoginPage() {
  const { acceptTokens } = useAuth()
  const login = useLogin()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const email = String(data.get('email') ?? '').trim()
    const password = String(data.get('password') ?? '')
    const fields = compact({ email: checkEmail(email), password: checkRequired(password, 'Enter your password.') })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      const pair = await login.mutateAsync({ email, password })
      await acceptTokens(pair, { resetCache: true })
      navigate(next, { replace: true })
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setErrors({ fields: {}, form: 'The e-mail or password is not right. Check them and try again.' })
      } else setErrors(formErrors(error, ['email', 'password']))
    }
  }

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back to StarGuide."
      footer={
        <>
          New here?{' '}
          <Link className={linkClass} to={next === '/' ? '/signup' : `/signup?next=${encodeURIComponent(next)}`}>
            Create an account
          </Link>
        </>
      }
    >
      <form noValidate onSubmit={onSubmit} className="space-y-4">
        <FormError message={errors.form} />
        <Field label="E-mail" name="email" type="email" autoComplete="username" required error={errors.fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.fields.password}
        />
        <div className="text-right text-sm">
          <Link className={linkClass} to="/forgot-password">
            Forgot your password?
          </Link>
        </div>
        <Button type="submit" className="w-full" pending={login.isPending}>
          Sign in
        </Button>
      </form>
    </AuthLayout>
  )
}
