/** Sending a message and following the streamed reply; stopping it keeps what was written. */
import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import { errorMessage } from '@/api/problem'
import { budgetMessage, type Citation, conversationQueryOptions, type Mode, streamReply } from './api'

export interface Draft {
  question: string
  answer: string
  citations: Citation[]
  state: 'streaming' | 'done' | 'stopped' | 'failed'
  /** Messages the conversation had before this turn: the draft is shown until the server has it. */
  before: number
}

export interface ChatProblem {
  kind: 'budget' | 'error'
  message: string
}

export function useMentorChat(conversationId: string | undefined) {
  const queryClient = useQueryClient()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [problem, setProblem] = useState<ChatProblem | null>(null)
  const controller = useRef<AbortController | null>(null)

  // Leaving the conversation (or the page) stops the reply; the server keeps what was written.
  useEffect(() => {
    setDraft(null)
    setProblem(null)
    return () => controller.current?.abort()
  }, [conversationId])

  const refresh = useCallback(async () => {
    if (!conversationId) return
    await queryClient.invalidateQueries({ queryKey: conversationQueryOptions(conversationId).queryKey })
    await queryClient.invalidateQueries({ queryKey: ['mentor', 'conversations'] })
  }, [conversationId, queryClient])

  const send = useCallback(
    async (content: string, mode: Mode, hintLevel: number, before: number): Promise<Draft['state'] | null> => {
      if (!conversationId || controller.current) return null
      const abort = new AbortController()
      controller.current = abort
      setProblem(null)
      setDraft({ question: content, answer: '', citations: [], state: 'streaming', before })
      let state: Draft['state'] = 'done'
      try {
        for await (const event of streamReply(conversationId, { content, mode, hint_level: hintLevel }, abort.signal)) {
          if (event.type === 'message') setDraft((d) => d && { ...d, citations: event.citations })
          else if (event.type === 'delta') setDraft((d) => d && { ...d, answer: d.answer + event.text })
          else if (event.type === 'held') setDraft((d) => d && { ...d, answer: event.text, citations: [] })
          else if (event.type === 'done') setDraft((d) => d && { ...d, citations: event.citations.length ? event.citations : d.citations })
          else {
            state = 'failed'
            setProblem({ kind: 'error', message: event.detail })
          }
        }
        if (abort.signal.aborted) state = 'stopped'
      } catch (error) {
        if (abort.signal.aborted) {
          state = 'stopped'
        } else {
          state = 'failed'
          const budget = budgetMessage(error)
          setProblem(budget ? { kind: 'budget', message: budget } : { kind: 'error', message: errorMessage(error) })
        }
      } finally {
        controller.current = null
        setDraft((d) => d && { ...d, state })
        await refresh()
        // A stopped reply is saved a moment after the connection closes: look again shortly.
        if (state === 'stopped') setTimeout(() => void refresh(), 1500)
      }
      return state
    },
    [conversationId, refresh],
  )

  const stop = useCallback(() => controller.current?.abort(), [])

  return { draft, problem, send, stop, streaming: draft?.state === 'streaming', dismissProblem: () => setProblem(null) }
}
