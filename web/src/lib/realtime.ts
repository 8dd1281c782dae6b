/**
 * The Socket.IO connection, loaded on demand so it costs nothing on first load, and shared: every
 * listener in the tab (progress toasts, safety alerts, …) rides on one connection, which closes when
 * the last of them lets go.
 */
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
