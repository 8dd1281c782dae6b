import { describe, expect, it, vi } from 'vitest'

const sockets: FakeSocket[] = []

class FakeSocket {
  listeners = new Map<string, Set<(payload: unknown) => void>>()
  disconnected = false
  on(event: string, listener: (payload: unknown) => void) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set())
    this.listeners.get(event)!.add(listener)
    return this
  }
  off(event: string, listener: (payload: unknown) => void) {
    this.listeners.get(event)?.delete(listener)
    return this
  }
  emit(event: string, payload: unknown) {
    for (const listener of this.listeners.get(event) ?? []) listener(payload)
  }
  disconnect() {
    this.disconnected = true
  }
}

vi.mock('socket.io-client', () => ({
  io: () => {
    const socket = new FakeSocket()
    sockets.push(socket)
    return socket
  },
}))

describe('the shared real-time connection', () => {
  it('serves every listener of the tab on one connection, closed when the last lets go', async () => {
    const { connectRealtime } = await import('./realtime')
    const progress = await connectRealtime()
    const alerts = await connectRealtime()
    expect(sockets).toHaveLength(1)
    const socket = sockets[0] as FakeSocket

    const seen: string[] = []
    progress.on<string>('learning.progress', (p) => seen.push(`progress ${p}`))
    alerts.on<string>('mentor.alert', (p) => seen.push(`alert ${p}`))
    socket.emit('learning.progress', 'level 2')
    socket.emit('mentor.alert', 'held')
    expect(seen).toEqual(['progress level 2', 'alert held'])

    progress.disconnect()
    progress.disconnect() // twice is once
    socket.emit('learning.progress', 'level 3')
    expect(seen).toHaveLength(2)
    expect(socket.disconnected).toBe(false)

    alerts.disconnect()
    expect(socket.disconnected).toBe(true)

    await connectRealtime()
    expect(sockets).toHaveLength(2)
  })
})
