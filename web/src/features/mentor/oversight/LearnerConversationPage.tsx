/** A learner's conversation with the mentor, read-only, held messages marked with their categories. */
import { useEffect } from 'react'
import { Link, useLocation, useParams } from 'react-router'
import { errorMessage } from '@/api/problem'
import { ButtonLink } from '@/components/Button'
import { ErrorState } from '@/components/ErrorState'
import { Page } from '@/components/Page'
import { PageSpinner } from '@/components/Spinner'
import { useLearnerConversation } from './api'
import { MessageView } from './MessageView'
import '../mentor.css'

export default function LearnerConversationPage() {
  const { conversationId = '' } = useParams()
  const { hash } = useLocation()
  const conversation = useLearnerConversation(conversationId)
  // `#message-<id>` (from an alert) scrolls to the held message and marks it.
  const target = hash.startsWith('#message-') ? hash.slice('#message-'.length) : null
  const loaded = conversation.isSuccess

  useEffect(() => {
    if (!loaded || !target) return
    document.getElementById(`message-${target}`)?.scrollIntoView?.({ block: 'center' })
  }, [loaded, target])

  if (conversation.isPending) return <PageSpinner label="Loading the conversation" />
  if (conversation.isError)
    return (
      <ErrorState
        page
        title="This conversation could not be loaded"
        message={errorMessage(conversation.error)}
        onRetry={() => void conversation.refetch()}
        action={<Link to="/learner-conversations">All conversations</Link>}
      />
    )
  const c = conversation.data
  const held = c.messages.filter((m) => m.status === 'held').length
  return (
    <Page
      title={c.title}
      description={
        <>
          {c.learner_name || 'A learner'}’s conversation with the mentor, read-only. Your reading is recorded in the audit trail.
          {held > 0 && ` ${held} message${held === 1 ? ' was' : 's were'} held by the safety filter.`}
        </>
      }
      actions={
        <div className="flex flex-wrap gap-2">
          <ButtonLink variant="secondary" to={`/learner-conversations?learner_id=${c.user_id}`}>
            Their conversations
          </ButtonLink>
          <ButtonLink variant="secondary" to={`/learners/${c.user_id}`}>
            Their progress
          </ButtonLink>
        </div>
      }
    >
      <div role="log" aria-label="Messages" className="space-y-3">
        {c.messages.length === 0 ? (
          <p className="text-sm text-slate-700 dark:text-slate-300">No messages yet.</p>
        ) : (
          c.messages.map((m) => <MessageView key={m.id} message={m} highlight={m.id === target} />)
        )}
      </div>
    </Page>
  )
}
