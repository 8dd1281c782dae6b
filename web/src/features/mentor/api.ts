/** The mentor: my conversations (list, search, create, rename, delete) and a reply streamed over SSE. */
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type BodyOf, type GetResult } from '@/api/client'
import { ApiError, type Problem, unwrap } from '@/api/problem'
import { authFetch } from '@/lib/auth/session'
import { readEvents } from '@/lib/sse'

export type ConversationPage = GetResult<'/api/v1/mentor/conversations'>
export type Conversation = ConversationPage['items'][number]
export type ConversationDetail = GetResult<'/api/v1/mentor/conversations/{conversation_id}'>
export type Message = ConversationDetail['messages'][number]
export type Citation = Message['citations'][number]
export type Mode = Conversation['mode']
export type MessageCreate = BodyOf<'/api/v1/mentor/conversations/{conversation_id}/messages', 'post'>

export const MODES: ReadonlyArray<{ value: Mode; label: string; hint: string }> = [
  { value: 'socratic', label: 'Socratic', hint: 'Guides you with questions, one step at a time.' },
  { value: 'explain', label: 'Explain', hint: 'Explains the idea clearly, with an example.' },
  { value: 'hint', label: 'Hint', hint: 'A nudge towards the next step, without the answer.' },
  { value: 'quiz', label: 'Quiz me', hint: 'Practice questions from your course.' },
]

const LIST_LIMIT = 50

export const conversationsQueryOptions = (q: string) =>
  queryOptions({
    queryKey: ['mentor', 'conversations', q],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/mentor/conversations', {
          params: { query: { limit: LIST_LIMIT, ...(q ? { q } : {}) } },
          signal,
        }),
      ),
  })

export function useConversations(q: string) {
  return useQuery({ ...conversationsQueryOptions(q), placeholderData: keepPreviousData })
}

export const conversationQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['mentor', 'conversation', id],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/mentor/conversations/{conversation_id}', {
          params: { path: { conversation_id: id } },
          signal,
        }),
      ),
  })

export function useConversation(id: string | undefined) {
  return useQuery({ ...conversationQueryOptions(id ?? ''), enabled: Boolean(id) })
}

export function useCreateConversation() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: BodyOf<'/api/v1/mentor/conversations', 'post'>) =>
      unwrap(await api.POST('/api/v1/mentor/conversations', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['mentor', 'conversations'] }),
  })
}

export function useUpdateConversation() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async ({
      id,
      ...body
    }: {
      id: string
      title?: string
      mode?: Mode
      /** `null` clears what the conversation is about. */
      course_id?: string | null
      lesson_id?: string | null
    }) =>
      unwrap(
        await api.PATCH('/api/v1/mentor/conversations/{conversation_id}', {
          params: { path: { conversation_id: id } },
          body,
        }),
      ),
    onSuccess: (conversation) => {
      queryClient.setQueryData(conversationQueryOptions(conversation.id).queryKey, (old) =>
        old ? { ...old, ...conversation } : old,
      )
      return queryClient.invalidateQueries({ queryKey: ['mentor', 'conversations'] })
    },
  })
}

export function useDeleteConversation() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(
        await api.DELETE('/api/v1/mentor/conversations/{conversation_id}', {
          params: { path: { conversation_id: id } },
        }),
      )
      return id
    },
    onSuccess: (id) => {
      queryClient.removeQueries({ queryKey: conversationQueryOptions(id).queryKey })
      return queryClient.invalidateQueries({ queryKey: ['mentor', 'conversations'] })
    },
  })
}

/** What the reply stream tells, in order: `message`, `delta`s, then `done`, `held` or `error`. */
export type ReplyEvent =
  | { type: 'message'; id: string; citations: Citation[] }
  | { type: 'delta'; text: string }
  | { type: 'done'; messageId: string | null; citations: Citation[] }
  /** The safety filter held the question or the answer: `text` is what to show instead. */
  | { type: 'held'; text: string }
  | { type: 'error'; detail: string; status: number | null; messageId: string | null }

function parse(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function citations(value: unknown): Citation[] {
  return Array.isArray(value) ? (value as Citation[]) : []
}

/**
 * Ask the mentor and yield the reply as it streams. `fetch` (through `authFetch`, which adds the
 * in-memory access token and renews it once on a 401) instead of `EventSource`; aborting `signal`
 * closes the connection, the server stops the model and keeps what was written. A refusal before
 * the stream starts (over budget, rate limited, no model) throws an `ApiError`.
 */
export async function* streamReply(
  conversationId: string,
  body: MessageCreate,
  signal: AbortSignal,
): AsyncGenerator<ReplyEvent> {
  const origin = globalThis.location?.origin ?? ''
  const request = new Request(`${origin}/api/v1/mentor/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  })
  const response = await authFetch(request)
  if (!response.ok || !response.body) {
    let problem: Problem | null = null
    try {
      const value = (await response.json()) as Problem
      if (value && typeof value === 'object' && 'status' in value) problem = value
    } catch {
      // not a problem+json body: the status alone gives the message
    }
    throw new ApiError(response.status, problem)
  }
  for await (const event of readEvents(response.body, signal)) {
    const data = parse(event.data)
    if (event.event === 'message') {
      yield { type: 'message', id: String(data.id ?? ''), citations: citations(data.citations) }
    } else if (event.event === 'delta') {
      yield { type: 'delta', text: typeof data.text === 'string' ? data.text : '' }
    } else if (event.event === 'done') {
      yield { type: 'done', messageId: typeof data.message_id === 'string' ? data.message_id : null, citations: citations(data.citations) }
    } else if (event.event === 'held') {
      yield { type: 'held', text: typeof data.text === 'string' ? data.text : '' }
    } else if (event.event === 'error') {
      yield {
        type: 'error',
        detail: typeof data.detail === 'string' && data.detail ? data.detail : 'The mentor could not answer. Try again.',
        status: typeof data.status === 'number' ? data.status : null,
        messageId: typeof data.message_id === 'string' ? data.message_id : null,
      }
    }
  }
}

/** A budget refusal (429, type budget-exceeded) as a kind sentence saying when it resets. */
export function budgetMessage(error: unknown, now: Date = new Date()): string | null {
  if (!(error instanceof ApiError) || error.status !== 429) return null
  const problem = (error.problem ?? {}) as Problem & { cap?: string; resets_at?: string }
  if (!String(problem.type ?? '').endsWith('/budget-exceeded')) return null
  const resets = problem.resets_at ? new Date(problem.resets_at) : null
  const when = resets && !Number.isNaN(resets.getTime()) ? describeReset(resets, now) : 'soon'
  if (problem.cap === 'organisation_monthly') {
    return `Your organisation has used this month's mentor budget. The mentor will be back ${when}. Your lessons and quizzes still work in the meantime.`
  }
  return `You've used today's time with the mentor — well done for practising! It will be back ${when}. Meanwhile, try re-reading the lesson or a quiz.`
}

function describeReset(resets: Date, now: Date): string {
  const ms = resets.getTime() - now.getTime()
  const time = resets.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  if (ms <= 60_000) return 'in a moment'
  if (ms < 60 * 60_000) return `in ${Math.ceil(ms / 60_000)} minutes (at ${time})`
  if (ms < 24 * 60 * 60_000) {
    const hours = Math.round(ms / (60 * 60_000))
    return `in about ${hours} hour${hours === 1 ? '' : 's'} (at ${time})`
  }
  return `on ${resets.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })} at ${time}`
}
