/** One message of a learner's conversation as a mentor reads it: who wrote it, the text, and why it was held. */
import { cx } from '@/components/cx'
import { Citations } from '../ChatView'
import { Markdown } from '../Markdown'
import { categoriesText, type HeldMessage } from './api'

function when(iso: string): string {
  return new Date(iso).toLocaleString()
}

export function HeldLabel({ categories }: { categories: readonly string[] }) {
  return (
    <p className="inline-flex flex-wrap items-center gap-1 rounded-md bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-900 dark:bg-red-950 dark:text-red-200">
      Held: {categoriesText(categories)}
    </p>
  )
}

/**
 * The learner's own words are shown as plain text (as in the chat); the model's replies are rendered from
 * Markdown through the chat's sanitiser. A held message is framed in red with its categories.
 */
export function MessageView({ message, highlight = false }: { message: HeldMessage; highlight?: boolean }) {
  const fromLearner = message.role === 'user'
  const held = message.status === 'held'
  return (
    <article
      id={`message-${message.id}`}
      aria-label={`${fromLearner ? 'Learner' : 'Mentor'}, ${when(message.created_at)}${held ? ', held' : ''}`}
      data-testid="oversight-message"
      className={cx(
        'scroll-mt-20 rounded-2xl border px-4 py-3',
        fromLearner ? 'bg-slate-50 dark:bg-slate-900' : 'bg-white dark:bg-slate-900',
        held ? 'border-2 border-red-600 dark:border-red-500' : 'border-slate-200 dark:border-slate-700',
        highlight && 'ring-4 ring-amber-300 dark:ring-amber-700',
      )}
    >
      <header className="mb-2 flex flex-wrap items-center gap-2 text-xs text-slate-700 dark:text-slate-300">
        <span className="font-semibold">{fromLearner ? 'Learner' : 'Mentor'}</span>
        <time dateTime={message.created_at}>{when(message.created_at)}</time>
        {message.mode && !fromLearner && <span>· {message.mode}</span>}
        {held && <HeldLabel categories={message.categories ?? []} />}
      </header>
      {fromLearner ? (
        <p className="whitespace-pre-wrap break-words">{message.content}</p>
      ) : message.content ? (
        <Markdown source={message.content} />
      ) : (
        <p className="text-sm text-slate-600 dark:text-slate-400">(empty)</p>
      )}
      {message.status === 'partial' && (
        <p className="mt-2 text-xs font-medium text-amber-800 dark:text-amber-300">This answer was stopped before it finished.</p>
      )}
      {message.redacted && (
        <p className="mt-2 text-xs font-medium text-amber-800 dark:text-amber-300">
          Answers to a quiz that is still open were hidden from this text.
        </p>
      )}
      {held && !fromLearner && (
        <p className="mt-2 text-xs font-medium text-red-800 dark:text-red-300">Stopped by the safety filter; the learner was told that a person will look at it.</p>
      )}
      {held && fromLearner && (
        <p className="mt-2 text-xs font-medium text-red-800 dark:text-red-300">The mentor did not answer it; the learner read a kind message instead.</p>
      )}
      {!fromLearner && !held && <Citations citations={message.citations} />}
    </article>
  )
}
