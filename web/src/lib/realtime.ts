/**
 * The Socket.IO connection, loaded on demand so it costs nothing on first load, and shared: every
 * listener in the tab (progress toasts, safety alerts, …) rides on one connection, which closes when
 * the last of them lets go.
 */
import { useEffect, useRef } from 'react'
import type { Socket } from 'socket.io-client'
import { getAccessToken } from './auth/session'

/** One user of the shared connection: its listeners are removed when it disconnects. */
export interface RealtimeHandle {
  on<T>(event: string, listener: (payload: T) => void): RealtimeHandle
  disconnect(): void
}

let shared: Promise<Socket> | null = null
let users = 0

async function open(): Promise<Socket> {
  const { io } = await import('socket.io-client')
  // The server joins the user's and organisation's rooms from the access token.
  return io({
    path: '/socket.io',
    transports: ['websocket'],
    auth: (send) => send({ token: getAccessToken() }),
  })
}

/** A handle on the tab's connection, opening it for the first user. */
export async function connectRealtime(): Promise<RealtimeHandle> {
  users += 1
  shared ??= open()
  let socket: Socket
  try {
    socket = await shared
  } catch (error) {
    users -= 1
    shared = null
    throw error
  }
  // Socket.IO types its listeners loosely; each user states its payload type at `on`.
  const mine: Array<[string, (...args: any[]) => void]> = []
  let done = false
  const handle: RealtimeHandle = {
    on(event, listener) {
      const loose = listener as (...args: any[]) => void
      mine.push([event, loose])
      socket.on(event, loose)
      return handle
    },
    disconnect() {
      if (done) return
      done = true
      for (const [event, listener] of mine) socket.off(event, listener)
      users -= 1
      if (users === 0) {
        socket.disconnect()
        shared = null
      }
    },
  }
  return handle
}

/** What a listening component needs of a connection: subscribe to an event, and let go. */
export interface EventSource<T> {
  on(event: string, listener: (payload: T) => void): unknown
  disconnect(): unknown
}

async function connectShared<T>(): Promise<EventSource<T>> {
  return connectRealtime()
}

/**
 * Calls `onEvent` for each `event` while the component is mounted and `enabled`; `connect` is
 * replaceable for tests (`null`: no connection). Real-time is a nicety: a failed connection is silent,
 * and the screens still show everything on their next load.
 */
export function useRealtimeEvent<T>(
  event: string,
  onEvent: (payload: T) => void,
  { enabled, connect = connectShared }: { enabled: boolean; connect?: (() => Promise<EventSource<T>>) | null },
) {
  const latest = useRef(onEvent)
  latest.current = onEvent
  useEffect(() => {
    if (!connect || !enabled) return
    let source: EventSource<T> | null = null
    let closed = false
    connect()
      .then((s) => {
        if (closed) {
          s.disconnect()
          return
        }
        source = s
        s.on(event, (payload) => {
          if (!closed) latest.current(payload)
        })
      })
      .catch(() => {})
    return () => {
      closed = true
      source?.disconnect()
    }
  }, [connect, enabled, event])
}
