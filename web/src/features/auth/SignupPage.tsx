/** Create an account. */
import { Link, useNavigate, useSearchParams } from 'react-router'
import { safeNext } from '@/lib/auth/guards'
import { AuthLayout, linkClass } from './AuthLayout'
import { SignupForm } from './SignupForm'

export default function SignupPage() {
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  return (
    <AuthLayout
      title="Create your account"
      subtitle="Learn with a mentor that helps you think, not one that thinks for you."
      footer={
        <>
          Already have an account?{' '}
          <Link className={linkClass} to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`}>
            Sign in
          </Link>
        </>
      }
    >
      <SignupForm onDone={() => navigate(next, { replace: true })} />
    </AuthLayout>
  )
}
