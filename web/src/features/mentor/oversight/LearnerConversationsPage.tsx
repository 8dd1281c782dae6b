/** Mentors and admins: their learners' mentor conversations, searchable by title and one learner's alone. */
import { type FormEvent, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { errorMessage } from '@/api/problem'
import { Button } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { Field } from '@/components/Field'
import { Page } from '@/components/Page'
import { SkeletonRows } from '@/components/Spinner'
import { type Column, Table } from '@/components/Table'
import { type LearnerConversationPage, PAGE_SIZE, useLearnerConversations } from './api'
import { offsetFrom, Pager } from './Pager'

type Row = LearnerConversationPage['items'][number]

const columns: ReadonlyArray<Column<Row>> = [
  { key: 'learner', header: 'Learner', cell: (c) => c.learner_name || '—' },
  {
    key: 'title',
    header: 'Conversation',
    cell: (c) => (
      <Link to={`/learner-conversations/${c.id}`} className="font-semibold text-brand-700 underline-offset-2 hover:underline dark:text-brand-300">
        {c.title}
      </Link>
    ),
  },
  {
    key: 'updated',
    header: 'Last message',
    cell: (c) => <time dateTime={c.updated_at}>{new Date(c.updated_at).toLocaleString()}</time>,
  },
]

export default function LearnerConversationsPage() {
  const [params, setParams] = useSearchParams()
  const learnerId = params.get('learner_id') ?? ''
  const q = params.get('q') ?? ''
  const offset = offsetFrom(params.get('offset'))
  const [text, setText] = useState(q)
  const conversations = useLearnerConversations(learnerId, q, offset)
  const learnerName = learnerId ? conversations.data?.items[0]?.learner_name : undefined

  function go(next: { learnerId?: string; q?: string; offset?: number }) {
    const l = next.learnerId ?? learnerId
    const words = next.q ?? q
    const o = next.offset ?? 0
    setParams({ ...(l ? { learner_id: l } : {}), ...(words ? { q: words } : {}), ...(o ? { offset: String(o) } : {}) })
  }

  function onSearch(event: FormEvent) {
    event.preventDefault()
    go({ q: text.trim() })
  }

  return (
    <Page
      title={learnerName ? `Conversations: ${learnerName}` : 'Learners’ conversations'}
      description="Your learners’ conversations with the mentor, read-only. Learners are told that their mentors can read them, and each reading is recorded in the audit trail."
    >
      <form onSubmit={onSearch} role="search" className="flex flex-wrap items-end gap-2">
        <div className="min-w-[14rem] flex-1">
          <Field label="Search titles" type="search" value={text} maxLength={200} onChange={(e) => setText(e.target.value)} />
        </div>
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {learnerId && (
        <p className="flex flex-wrap items-center gap-2 text-sm">
          Only {learnerName ?? 'one learner'}’s conversations.
          <button type="button" className="font-semibold text-brand-700 underline underline-offset-2 dark:text-brand-300" onClick={() => go({ learnerId: '' })}>
            Show every learner
          </button>
        </p>
      )}
      {conversations.isPending ? (
        <SkeletonRows rows={4} label="Loading conversations" />
      ) : conversations.isError ? (
        <ErrorState
          title="Conversations could not be loaded"
          message={errorMessage(conversations.error)}
          onRetry={() => void conversations.refetch()}
        />
      ) : conversations.data.items.length === 0 ? (
        <EmptyState
          title="No conversations found"
          message={q ? 'No conversation title has these words.' : 'Conversations appear here once your learners talk with the mentor.'}
        />
      ) : (
        <>
          <Table caption="Learners’ conversations" columns={columns} rows={conversations.data.items} rowKey={(c) => c.id} />
          <Pager
            label="Conversation pages"
            offset={offset}
            limit={PAGE_SIZE}
            total={conversations.data.total}
            onChange={(o) => go({ offset: o })}
          />
        </>
      )}
    </Page>
  )
}
