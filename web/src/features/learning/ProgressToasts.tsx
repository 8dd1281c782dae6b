/** Level-ups and new badges as toasts, from the learner's real-time room (Socket.IO, loaded on demand). */
import { useQueryClient } from '@tanstack/react-query'
import { useToast } from '@/components/Toast'
import { type EventSource, useRealtimeEvent } from '@/lib/realtime'

export interface ProgressEvent {
  kind: 'level' | 'badge'
  organisation_id: string | null
  learner_id: string
  level?: number | null
  name?: string | null
  tier?: number | null
}

/** What the component needs of a connection: subscribe to an event, and close. */
export type ProgressSource = EventSource<ProgressEvent>

export const PROGRESS_EVENT = 'learning.progress'

export function progressMessage(event: ProgressEvent): string {
  if (event.kind === 'level') return `Level up! You reached level ${event.level ?? ''}.`
  return `New badge: ${event.name ?? 'a badge'}${event.tier && event.tier > 1 ? ` (tier ${event.tier})` : ''}.`
}

/**
 * Listens while mounted. `organisationId` filters out events of another organisation of the same user
 * (the user's room is shared by their organisations); `connect` is replaceable for tests.
 */
export function ProgressToasts({
  organisationId,
  connect,
}: {
  organisationId: string | null
  connect?: (() => Promise<ProgressSource>) | null
}) {
  const toast = useToast()
  const queryClient = useQueryClient()
  useRealtimeEvent<ProgressEvent>(
    PROGRESS_EVENT,
    (event) => {
      if (event.organisation_id && event.organisation_id !== organisationId) return
      toast.success(progressMessage(event))
      void queryClient.invalidateQueries({ queryKey: ['learning'] })
    },
    { enabled: organisationId !== null, connect },
  )
  return null
}
