import { describe, expect, it } from 'vitest'
import { createSSEParser, readEvents, type ServerEvent } from './sse'

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
      controller.close()
    },
  })
}

async function collect(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<ServerEvent[]> {
  const out: ServerEvent[] = []
  for await (const event of readEvents(stream, signal)) out.push(event)
  return out
}

describe('the SSE parser', () => {
  it('reads events, whatever the chunk boundaries', () => {
    const text = 'event: message\ndata: {"id":"m1"}\n\nevent: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"text":"lo"}\n\nevent: done\ndata: {}\n\n'
    const expected = [
      { event: 'message', data: '{"id":"m1"}' },
      { event: 'delta', data: '{"text":"Hel"}' },
      { event: 'delta', data: '{"text":"lo"}' },
      { event: 'done', data: '{}' },
    ]
    for (let size = 1; size <= text.length; size++) {
      const parser = createSSEParser()
      const got: ServerEvent[] = []
      for (let i = 0; i < text.length; i += size) got.push(...parser.feed(text.slice(i, i + size)))
      expect(got).toEqual(expected)
    }
  })

  it('accepts CRLF and CR line ends, even a CRLF split between chunks', () => {
    const parser = createSSEParser()
    const got = [
      ...parser.feed('event: delta\r\ndata: a\r'),
      ...parser.feed('\n\r'),
      ...parser.feed('\nevent: done\rdata: b\r\r'),
    ]
    expect(got).toEqual([
      { event: 'delta', data: 'a' },
      { event: 'done', data: 'b' },
    ])
  })

  it('joins data lines, skips comments and unknown fields, defaults the event name to message', () => {
    const parser = createSSEParser()
    const got = parser.feed(': keep-alive\n\ndata: one\ndata:two\nretry: 10\nfoo\nid: 7\n\n')
    expect(got).toEqual([{ event: 'message', data: 'one\ntwo', id: '7' }])
  })

  it('drops an event the stream ended before finishing', async () => {
    const got = await collect(streamOf(['event: delta\ndata: {"text":"a"}\n\nevent: delta\ndata: {"text":"cut']))
    expect(got).toEqual([{ event: 'delta', data: '{"text":"a"}' }])
  })

  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"étoile ✨"}\n\n')
    const split = bytes.indexOf(0xe2) + 1 // inside the three bytes of ✨
    const got = await collect(streamOf([bytes.slice(0, 20), bytes.slice(20, split), bytes.slice(split)]))
    expect(JSON.parse(got[0]!.data)).toEqual({ text: 'étoile ✨' })
  })

  it('stops reading, and cancels the body, when aborted while waiting for the next chunk', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('event: delta\ndata: {"text":"a"}\n\n'))
        // ... and then nothing: the server is still writing.
      },
      cancel() {
        cancelled = true
      },
    })
    const abort = new AbortController()
    const got: ServerEvent[] = []
    for await (const event of readEvents(stream, abort.signal)) {
      got.push(event)
      abort.abort()
    }
    expect(got).toHaveLength(1)
    expect(cancelled).toBe(true)
  })
})
