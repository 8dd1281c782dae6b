/** What a screen shows when it fails to render or its code fails to load, instead of a blank page.
 *
 * The usual cause in production is a new release: the screens' code files are renamed on each build,
 * so a tab opened before it asks for files that no longer exist. Reloading fetches the new version.
 */
import { Link, useRouteError } from 'react-router'
import { Button } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'

const CHUNK_FAILURE = /dynamically imported module|module script failed|error loading dynamically|ChunkLoadError/i

export function isChunkLoadFailure(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error)
  return CHUNK_FAILURE.test(text)
}

export function RouteError() {
  const error = useRouteError()
  const stale = isChunkLoadFailure(error)
  if (!stale) console.error(error) // for whoever opens the console; never shown on the page
  return (
    <div className="px-4 py-16">
      <ErrorState
        page
        title={stale ? 'StarGuide has been updated' : 'Something went wrong'}
        message={
          stale
            ? 'This page needs the new version. Reload to continue; nothing you saved is lost.'
            : 'This page could not be shown. Reloading usually helps; if it keeps happening, tell your organisation admin.'
        }
        action={
          <>
            <Button onClick={() => window.location.reload()}>Reload</Button>
            <Link className="self-center font-medium text-brand-700 underline dark:text-brand-300" to="/">
              Go to home
            </Link>
          </>
        }
      />
    </div>
  )
}
