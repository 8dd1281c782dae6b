/** A client-side route that does not exist. */
import { Link } from 'react-router'
import { ErrorState } from '@/components/ErrorState'

export default function NotFoundPage() {
  return (
    <div className="px-4 py-16">
      <ErrorState
        page
        title="Page not found"
        message="The address may be mistyped, or the page has moved."
        action={
          <Link className="font-medium text-brand-700 underline dark:text-brand-300" to="/">
            Go to home
          </Link>
        }
      />
    </div>
  )
}
