/**
 * Server-sent events read from a `fetch` body. `EventSource` cannot send the Authorization header
 * (the access token lives in memory), so the stream is parsed here, following the HTML standard's
 * rules: lines end in LF, CR or CRLF; `data` lines join with LF; `:` starts a comment; an event is
 * dispatched at a blank line; a chunk may end anywhere, even inside a UTF-8 character.
 */

export interface ServerEvent {
  event: string
  data: string
  id?: string
}

/** An incremental parser: feed it text as it arrives, it returns the events completed so far. */
export function createSSEParser() {
  let buffer = ''
  let pendingCR = false
  let event = ''
  let data: string[] = []
  let id: string | undefined

  function line(text: string, out: ServerEvent[]) {
    if (text === '') {
      if (data.length) out.push({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) })
      event = ''
      data = []
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\0')) id = value
  }

  return {
    feed(chunk: string): ServerEvent[] {
      const out: ServerEvent[] = []
      let text = chunk
      // A CR at the end of the previous chunk may be the first half of a CRLF.
      if (pendingCR && text.startsWith('\n')) text = text.slice(1)
      pendingCR = false
      buffer += text
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i]
        if (c !== '\n' && c !== '\r') continue
        line(buffer.slice(start, i), out)
        if (c === '\r') {
          if (i + 1 === buffer.length) pendingCR = true
          else if (buffer[i + 1] === '\n') i++
        }
        start = i + 1
      }
      buffer = buffer.slice(start)
      return out
    },
    /** The stream ended: an event without its closing blank line is dropped, as the standard says. */
    end(): ServerEvent[] {
      buffer = ''
      data = []
      event = ''
      return []
    },
  }
}

/** The events of a response body, as they arrive. */
export async function* readEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<ServerEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parser = createSSEParser()
  // Stopping ends a read that is waiting for the next chunk, not only the one after it.
  const onAbort = () => void reader.cancel().catch(() => undefined)
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      if (signal?.aborted) return
      const { done, value } = await reader.read()
      if (done) break
      yield* parser.feed(decoder.decode(value, { stream: true }))
    }
    yield* parser.feed(decoder.decode())
    parser.end()
  } finally {
    signal?.removeEventListener('abort', onAbort)
    // Leaving early (stopped, or an error) closes the connection, so the server stops too.
    await reader.cancel().catch(() => undefined)
  }
}
