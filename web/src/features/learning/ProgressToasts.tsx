/** Level-ups and new badges as toasts, from the learner's real-time room (Socket.IO, loaded on demand). */
import { useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { useToast } from '@/components/Toast'

export interface ProgressEvent {
  kind: 'level' | 'badge'
  organisation_id: string | null
  learner_id: string
  level?: number | null
  name?: string | null
  tier?: number | null
}

/** What the component needs of a connection: subscribe to an event, and close. */
export interface ProgressSource {
  on(event: 'learning.progress', listener: (payload: ProgressEvent) => void): unknown
  disconnect(): unknown
}

export const PROGRESS_EVENT = 'learning.progress'

export function progressMessage(event: ProgressEvent): string {
  if (event.kind === 'level') return `Level up! You reached level ${event.level ?? ''}.`
  return `New badge: ${event.name ?? 'a badge'}${event.tier && event.tier > 1 ? ` (tier ${event.tier})` : ''}.`
}

async function connectDefault(): Promise<ProgressSource> {
  const { connectRealtime } = await import('@/lib/realtime')
  return connectRealtime()
}

/**
 * Listens while mounted. `organisationId` filters out events of another organisation of the same user
 * (the user's room is shared by their organisations); `connect` is replaceable for tests.
 */
export function ProgressToasts({
  organisationId,
  connect = connectDefault,
}: {
  organisationId: string | null
  connect?: (() => Promise<ProgressSource>) | null
}) {
  const toast = useToast()
  const queryClient = useQueryClient()
  useEffect(() => {
    if (!connect || !organisationId) return
    let source: ProgressSource | null = null
    let closed = false
    connect()
      .then((s) => {
        if (closed) {
          s.disconnect()
          return
        }
        source = s
        s.on(PROGRESS_EVENT, (event) => {
          if (event.organisation_id && event.organisation_id !== organisationId) return
          toast.success(progressMessage(event))
          void queryClient.invalidateQueries({ queryKey: ['learning'] })
        })
      })
      .catch(() => {
        // Real-time is a nicety: without it, the home screen still shows levels and badges.
      })
    return () => {
      closed = true
      source?.disconnect()
    }
  }, [connect, organisationId, toast, queryClient])
  return null
}
