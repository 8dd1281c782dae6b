/** Confirm an e-mail address with the token from the e-mailed link (`/verify-email?token=`). */
import { useEffect, useRef } from 'react'
import { useSearchParams } from 'react-router'
import { ButtonLink } from '@/components/Button'
import { Spinner } from '@/components/Spinner'
import { errorMessage } from '@/api/problem'
import { useVerifyEmail } from './api'
import { AuthLayout } from './AuthLayout'

export default function VerifyEmailPage() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const verify = useVerifyEmail()
  const { mutate } = verify
  // A verification token is single-use: send it once even when effects run twice.
  const sent = useRef<string | null>(null)
  useEffect(() => {
    if (token && sent.current !== token) {
      sent.current = token
      mutate(token)
    }
  }, [token, mutate])

  return (
    <AuthLayout title="Confirm your e-mail">
      {verify.isPending && <Spinner label="Confirming your e-mail" />}
      {verify.isSuccess && <p role="status">Your e-mail address is confirmed. Thank you!</p>}
      {(verify.isError || !token) && (
        <p role="alert">{token ? errorMessage(verify.error) : 'This link is incomplete. Open it again from the e-mail.'}</p>
      )}
      <ButtonLink className="mt-4 w-full" variant="secondary" to="/">
        Go to StarGuide
      </ButtonLink>
    </AuthLayout>
  )
}
