/** The mentor: my conversations beside the open one (or a first question to start one). */
import { type FormEvent, useState } from 'react'
import { useNavigate, useParams, useSearchParams } from 'react-router'
import { Button } from '@/components/Button'
import { FormError } from '@/components/Field'
import { Page } from '@/components/Page'
import { errorMessage } from '@/api/problem'
import { useCreateConversation } from './api'
import { ChatView } from './ChatView'
import { ConversationList } from './ConversationList'
import './mentor.css'

/** A title from the first question: its first words, cut at a word boundary. */
export function titleFrom(question: string): string {
  const words = question.trim().replace(/\s+/g, ' ')
  if (words.length <= 60) return words
  const cut = words.slice(0, 60)
  return `${cut.slice(0, cut.lastIndexOf(' ') > 20 ? cut.lastIndexOf(' ') : 60)}…`
}

function Start() {
  const create = useCreateConversation()
  const navigate = useNavigate()
  // Arriving from a lesson ("Ask the mentor about this lesson"): the conversation is about that lesson.
  const [params] = useSearchParams()
  const lessonId = params.get('lesson') ?? undefined
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)

  async function onSubmit(event: FormEvent) {
    event.preventDefault()
    const question = text.trim()
    if (!question) return
    try {
      const conversation = await create.mutateAsync({ title: titleFrom(question), ...(lessonId ? { lesson_id: lessonId } : {}) })
      navigate(`/mentor/${conversation.id}`, { state: { ask: question } })
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-3 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
      <h2 className="text-lg font-semibold">What are you working on?</h2>
      <p className="text-sm text-slate-700 dark:text-slate-300">
        The mentor answers from your organisation's lessons and links to them. By default it guides you with questions rather than handing you the answer.
      </p>
      <FormError message={error} />
      <label htmlFor="mentor-first-question" className="block text-sm font-medium">
        Your question
      </label>
      <textarea
        id="mentor-first-question"
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={3}
        maxLength={4000}
        className="block w-full rounded-lg border border-slate-400 bg-white px-3 py-2 text-base dark:border-slate-500 dark:bg-slate-900 sm:text-sm"
      />
      <div className="flex justify-end">
        <Button type="submit" pending={create.isPending} disabled={!text.trim()}>
          Ask the mentor
        </Button>
      </div>
    </form>
  )
}

export default function MentorPage() {
  const { conversationId } = useParams()
  return (
    <Page title="Mentor" description="Your own conversations with the AI mentor.">
      <div className="grid gap-6 lg:grid-cols-[16rem_1fr]">
        <aside aria-label="Your conversations">
          <ConversationList activeId={conversationId} />
        </aside>
        <div className="min-w-0">{conversationId ? <ChatView key={conversationId} conversationId={conversationId} /> : <Start />}</div>
      </div>
    </Page>
  )
}
