/** In the shell, for mentors and admins: a toast for each new safety alert, and the open-alert count badge. */
import { useQueryClient } from '@tanstack/react-query'
import { useToast } from '@/components/Toast'
import { type EventSource, useRealtimeEvent } from '@/lib/realtime'
import { ALERT_EVENT, type AlertNotice, alertQueryOptions, categoriesText, useOpenAlertCount } from './api'

/** What the component needs of a connection: subscribe to an event, and close. */
export type AlertSource = EventSource<AlertNotice>

/**
 * Listens while mounted (mount it only for mentors and admins of an organisation). The user's room is
 * shared by all their organisations and the event does not say which one it is about, so the alert is
 * read first: one of another organisation is a 404 here, and no toast is shown for it.
 */
export function AlertToasts({
  organisationId,
  connect,
}: {
  organisationId: string | null
  connect?: (() => Promise<AlertSource>) | null
}) {
  const toast = useToast()
  const queryClient = useQueryClient()
  useRealtimeEvent<AlertNotice>(
    ALERT_EVENT,
    (notice) => {
      void queryClient.invalidateQueries({ queryKey: ['mentor', 'alerts'] })
      queryClient
        .fetchQuery(alertQueryOptions(notice.alert_id))
        .then((alert) => {
          const who = alert.direction === 'input' ? `A message from ${alert.learner_name}` : `A mentor reply to ${alert.learner_name}`
          toast.show(`${who} was held (${categoriesText(alert.categories)}). See Alerts.`, 'error')
        })
        .catch(() => {
          // Another organisation's alert, or the network is gone: the list still shows it later.
        })
    },
    { enabled: organisationId !== null, connect },
  )
  return null
}

/** The number of open alerts beside the navigation entry (nothing when there are none). */
export function OpenAlertsBadge() {
  const count = useOpenAlertCount()
  const n = count.data ?? 0
  if (n === 0) return null
  return (
    <span className="ml-auto inline-flex min-w-6 items-center justify-center rounded-full bg-red-700 px-1.5 text-xs font-bold text-white">
      <span className="sr-only">, </span>
      {n > 99 ? '99+' : n}
      <span className="sr-only"> open</span>
    </span>
  )
}
