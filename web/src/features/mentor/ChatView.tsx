/** One conversation: its messages, the reply streaming in, the mode picker and the composer. */
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { Link, useLocation, useNavigate } from 'react-router'
import { Button } from '@/components/Button'
import { cx } from '@/components/cx'
import { ErrorState } from '@/components/ErrorState'
import { SkeletonRows } from '@/components/Spinner'
import { errorMessage } from '@/api/problem'
import { type Citation, type Mode, MODES, useConversation, useUpdateConversation } from './api'
import { ConversationContext } from './ConversationContext'
import { Markdown } from './Markdown'
import { useMentorChat } from './useMentorChat'

/** The lesson reader's page for a cited lesson; anything else (or a malformed id) is shown as text. */
export function citationHref(citation: Citation): string | null {
  const id = citation.lesson_id ?? ''
  return /^[0-9a-f-]{36}$/i.test(id) ? `/lessons/${id}` : null
}

export function Citations({ citations }: { citations: Citation[] }) {
  if (!citations.length) return null
  return (
    <div className="mt-3 border-t border-slate-200 pt-2 text-sm dark:border-slate-700">
      <p className="font-semibold text-slate-700 dark:text-slate-300">From your lessons</p>
      <ol aria-label="Lessons cited" className="mt-1 space-y-1">
        {citations.map((citation) => {
          const href = citationHref(citation)
          return (
            <li key={citation.n}>
              <span aria-hidden="true">[{citation.n}] </span>
              {href ? (
                <Link to={href} className="font-medium text-brand-700 underline underline-offset-2 dark:text-brand-300">
                  {citation.title}
                </Link>
              ) : (
                citation.title
              )}
            </li>
          )
        })}
      </ol>
    </div>
  )
}

function UserBubble({ text }: { text: string }) {
  return (
    <div className="flex justify-end">
      <div className="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-br-sm bg-brand-700 px-4 py-2 text-white">
        <span className="sr-only">You: </span>
        {text}
      </div>
    </div>
  )
}

function MentorBubble({ text, citations, streaming = false, note }: { text: string; citations: Citation[]; streaming?: boolean; note?: string | undefined }) {
  return (
    <div className="flex justify-start">
      <div
        className="max-w-[95%] rounded-2xl rounded-bl-sm border border-slate-200 bg-white px-4 py-3 dark:border-slate-700 dark:bg-slate-900"
        aria-busy={streaming || undefined}
        data-testid="mentor-reply"
      >
        <span className="sr-only">Mentor: </span>
        {text ? <Markdown source={text} streaming={streaming} /> : streaming ? <p className="text-slate-600 dark:text-slate-400">Thinking…</p> : null}
        {streaming && text && <span aria-hidden="true" className="ml-1 inline-block h-4 w-2 animate-pulse bg-slate-400 align-middle" />}
        {note && <p className="mt-2 text-xs font-medium text-amber-800 dark:text-amber-300">{note}</p>}
        {!streaming && <Citations citations={citations} />}
      </div>
    </div>
  )
}

export function ChatView({ conversationId }: { conversationId: string }) {
  const conversation = useConversation(conversationId)
  const update = useUpdateConversation()
  const chat = useMentorChat(conversationId)
  const location = useLocation()
  const navigate = useNavigate()
  const [text, setText] = useState('')
  const [mode, setMode] = useState<Mode>('socratic')
  const [hintLevel, setHintLevel] = useState(1)
  const bottom = useRef<HTMLDivElement>(null)
  const asked = useRef(false)
  const detail = conversation.data
  const messages = detail?.messages ?? []

  useEffect(() => {
    if (detail) setMode(detail.mode)
    // Only when another conversation loads: the learner's own choice must not be overwritten.
  }, [detail?.id])

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' })
  }, [messages.length, chat.draft?.answer])

  async function ask(content: string) {
    const question = content.trim()
    if (!question || chat.streaming) return
    setText('')
    const state = await chat.send(question, mode, hintLevel, messages.length)
    if (state === 'failed') setText((current) => current || question)
  }

  // A question typed before the conversation existed (on /mentor) is asked once it does.
  useEffect(() => {
    const pending = (location.state as { ask?: string } | null)?.ask
    if (pending && detail && !asked.current) {
      asked.current = true
      navigate('.', { replace: true, state: null })
      void ask(pending)
    }
  }, [detail])

  function onSubmit(event: FormEvent) {
    event.preventDefault()
    void ask(text)
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void ask(text)
    }
  }

  function onModeChange(next: Mode) {
    setMode(next)
    // Remembered as the conversation's mode; a failure here changes nothing for this message.
    update.mutate({ id: conversationId, mode: next })
  }

  if (conversation.isPending) return <SkeletonRows rows={5} label="Loading the conversation" />
  if (conversation.isError) {
    return <ErrorState message={errorMessage(conversation.error)} onRetry={() => void conversation.refetch()} />
  }

  const draft = chat.draft
  const showDraft = draft !== null && (draft.state === 'streaming' || messages.length < draft.before + 2) && !(draft.state === 'failed' && !draft.answer)
  const modeHint = MODES.find((m) => m.value === mode)?.hint

  return (
    <section aria-labelledby="chat-title" className="flex min-h-[70dvh] flex-col gap-4">
      <header>
        <h2 id="chat-title" className="text-xl font-semibold">
          {detail?.title}
        </h2>
        {detail && <ConversationContext conversation={detail} />}
        {detail?.notice && (
          <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">
            <svg aria-hidden="true" viewBox="0 0 20 20" className="mr-1 inline size-4 align-[-2px]" fill="currentColor">
              <path d="M10 2a4 4 0 0 0-4 4v2H5a1 1 0 0 0-1 1v8a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1V9a1 1 0 0 0-1-1h-1V6a4 4 0 0 0-4-4Zm-2 6V6a2 2 0 1 1 4 0v2H8Z" />
            </svg>
            {detail.notice}
          </p>
        )}
      </header>

      <div className="flex-1 space-y-4" aria-label="Messages" role="log">
        {messages.length === 0 && !showDraft && (
          <p className="rounded-lg bg-slate-100 p-4 text-sm text-slate-700 dark:bg-slate-900 dark:text-slate-300">
            Ask about anything in your lessons. The mentor helps you think it through and shows which lessons it used.
          </p>
        )}
        {messages.map((message) =>
          message.role === 'user' ? (
            <UserBubble key={message.id} text={message.content} />
          ) : (
            <MentorBubble
              key={message.id}
              text={message.content}
              citations={message.citations}
              note={message.status === 'partial' ? 'This answer was stopped before it finished.' : undefined}
            />
          ),
        )}
        {showDraft && draft && (
          <>
            {messages.length <= draft.before && <UserBubble text={draft.question} />}
            <MentorBubble
              text={draft.answer}
              citations={draft.citations}
              streaming={draft.state === 'streaming'}
              note={draft.state === 'stopped' ? 'Stopped. What was written so far is kept.' : undefined}
            />
          </>
        )}
        <div ref={bottom} />
      </div>

      <p aria-live="polite" className="sr-only">
        {chat.streaming ? 'The mentor is answering.' : draft?.state === 'done' ? 'The mentor has answered.' : ''}
      </p>

      {chat.problem && (
        <div
          role="alert"
          className={cx(
            'flex items-start gap-3 rounded-lg border px-4 py-3 text-sm',
            chat.problem.kind === 'budget'
              ? 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100'
              : 'border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200',
          )}
        >
          <p className="flex-1">{chat.problem.message}</p>
          <button type="button" className="font-semibold underline-offset-2 hover:underline" onClick={chat.dismissProblem}>
            Dismiss
          </button>
        </div>
      )}

      <form onSubmit={onSubmit} className="sticky bottom-0 space-y-2 rounded-xl border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-end gap-3">
          <label className="text-sm font-medium">
            Mode
            <select
              value={mode}
              onChange={(e) => onModeChange(e.target.value as Mode)}
              className="ml-2 rounded-lg border border-slate-400 bg-white px-2 py-1 dark:border-slate-500 dark:bg-slate-900"
            >
              {MODES.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
          {mode === 'hint' && (
            <label className="text-sm font-medium">
              Hint
              <select
                value={hintLevel}
                onChange={(e) => setHintLevel(Number(e.target.value))}
                className="ml-2 rounded-lg border border-slate-400 bg-white px-2 py-1 dark:border-slate-500 dark:bg-slate-900"
              >
                <option value={1}>1 · the idea</option>
                <option value={2}>2 · the step</option>
                <option value={3}>3 · a similar example</option>
              </select>
            </label>
          )}
          <p className="text-xs text-slate-600 dark:text-slate-400">{modeHint}</p>
        </div>
        <label htmlFor="mentor-question" className="sr-only">
          Your question
        </label>
        <textarea
          id="mentor-question"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          rows={3}
          maxLength={4000}
          placeholder="Ask the mentor… (Enter to send, Shift+Enter for a new line)"
          className="block w-full resize-y rounded-lg border border-slate-400 bg-white px-3 py-2 text-base dark:border-slate-500 dark:bg-slate-900 sm:text-sm"
        />
        <div className="flex justify-end gap-2">
          {chat.streaming ? (
            <Button variant="secondary" onClick={chat.stop}>
              Stop
            </Button>
          ) : (
            <Button type="submit" disabled={!text.trim()}>
              Send
            </Button>
          )}
        </div>
      </form>
    </section>
  )
}
