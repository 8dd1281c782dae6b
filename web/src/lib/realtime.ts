/** The Socket.IO connection, loaded on demand so it costs nothing on first load. */
import type { Socket } from 'socket.io-client'
import { getAccessToken } from './auth/session'

/** Connect with the current access token (the server joins the user's and organisation's rooms). */
export async function connectRealtime(): Promise<Socket> {
  const { io } = await import('socket.io-client')
  return io({
    path: '/socket.io',
    transports: ['websocket'],
    auth: (send) => send({ token: getAccessToken() }),
  })
}
