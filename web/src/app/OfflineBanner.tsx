/** Says clearly when the browser is offline: the shell works, but nothing can be loaded or saved. */
import { useOnline } from '@/lib/online'

export function OfflineBanner() {
  const online = useOnline()
  if (online) return null
  return (
    <div role="status" className="bg-amber-300 px-4 py-2 text-center text-sm font-medium text-slate-950">
      You are offline. StarGuide will load your data again when the connection is back.
    </div>
  )
}
