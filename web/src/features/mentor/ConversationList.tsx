/** My conversations: search, start a new one, rename, delete. */
import { type FormEvent, useEffect, useState } from 'react'
import { NavLink, useNavigate } from 'react-router'
import { Button } from '@/components/Button'
import { cx } from '@/components/cx'
import { Dialog } from '@/components/Dialog'
import { Field, FormError } from '@/components/Field'
import { SkeletonRows } from '@/components/Spinner'
import { useToast } from '@/components/Toast'
import { errorMessage } from '@/api/problem'
import { type Conversation, useConversations, useCreateConversation, useDeleteConversation, useUpdateConversation } from './api'

function useDebounced(value: string, ms = 300): string {
  const [debounced, setDebounced] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return debounced
}

function RenameDialog({ conversation, onClose }: { conversation: Conversation; onClose: () => void }) {
  const update = useUpdateConversation()
  const [error, setError] = useState<string | null>(null)
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const title = String(new FormData(event.currentTarget).get('title') ?? '').trim()
    if (!title) {
      setError('Give the conversation a name.')
      return
    }
    try {
      await update.mutateAsync({ id: conversation.id, title })
      onClose()
    } catch (err) {
      setError(errorMessage(err))
    }
  }
  return (
    <Dialog open title="Rename conversation" onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <FormError message={error} />
        <Field label="Name" name="title" defaultValue={conversation.title} maxLength={200} required autoFocus />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" pending={update.isPending}>
            Save
          </Button>
        </div>
      </form>
    </Dialog>
  )
}

function DeleteDialog({ conversation, onClose, onDeleted }: { conversation: Conversation; onClose: () => void; onDeleted: () => void }) {
  const remove = useDeleteConversation()
  const toast = useToast()
  return (
    <Dialog
      open
      title="Delete this conversation?"
      onClose={onClose}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Keep it
          </Button>
          <Button
            variant="danger"
            pending={remove.isPending}
            onClick={async () => {
              try {
                await remove.mutateAsync(conversation.id)
                toast.success('Conversation deleted.')
                onDeleted()
              } catch (err) {
                toast.error(errorMessage(err))
                onClose()
              }
            }}
          >
            Delete
          </Button>
        </>
      }
    >
      <p className="text-sm">“{conversation.title}” and all its messages will be deleted. This cannot be undone.</p>
    </Dialog>
  )
}

export function ConversationList({ activeId }: { activeId: string | undefined }) {
  const [search, setSearch] = useState('')
  const q = useDebounced(search.trim())
  const conversations = useConversations(q)
  const create = useCreateConversation()
  const navigate = useNavigate()
  const toast = useToast()
  const [renaming, setRenaming] = useState<Conversation | null>(null)
  const [deleting, setDeleting] = useState<Conversation | null>(null)

  async function onNew() {
    try {
      const conversation = await create.mutateAsync({})
      navigate(`/mentor/${conversation.id}`)
    } catch (err) {
      toast.error(errorMessage(err))
    }
  }

  const items = conversations.data?.items ?? []
  return (
    <div className="space-y-3">
      <Button className="w-full" onClick={onNew} pending={create.isPending}>
        New conversation
      </Button>
      <div role="search">
        <Field label="Search conversations" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Words in a title or message" />
      </div>
      {conversations.isPending ? (
        <SkeletonRows rows={4} label="Loading conversations" />
      ) : conversations.isError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errorMessage(conversations.error)}
        </p>
      ) : items.length === 0 ? (
        <p className="text-sm text-slate-700 dark:text-slate-300">{q ? 'No conversation matches.' : 'No conversations yet.'}</p>
      ) : (
        <ul aria-label="Conversations" className="space-y-1">
          {items.map((conversation) => {
            const active = conversation.id === activeId
            return (
              <li key={conversation.id}>
                <NavLink
                  to={`/mentor/${conversation.id}`}
                  title={conversation.title}
                  className={cx(
                    'block truncate rounded-lg px-3 py-2 text-sm',
                    active
                      ? 'bg-brand-100 font-semibold text-brand-800 dark:bg-slate-800 dark:text-brand-300'
                      : 'hover:bg-slate-200 dark:hover:bg-slate-800',
                  )}
                  aria-current={active ? 'page' : undefined}
                >
                  {conversation.title}
                </NavLink>
                {active && (
                  <div className="flex gap-1 px-2 pb-1 pt-0.5">
                    <button
                      type="button"
                      className="rounded px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
                      aria-label={`Rename “${conversation.title}”`}
                      onClick={() => setRenaming(conversation)}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      className="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-950"
                      aria-label={`Delete “${conversation.title}”`}
                      onClick={() => setDeleting(conversation)}
                    >
                      Delete
                    </button>
                  </div>
                )}
              </li>
            )
          })}
        </ul>
      )}
      {renaming && <RenameDialog conversation={renaming} onClose={() => setRenaming(null)} />}
      {deleting && (
        <DeleteDialog
          conversation={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null)
            if (deleting.id === activeId) navigate('/mentor')
          }}
        />
      )}
    </div>
  )
}
