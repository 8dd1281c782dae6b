/** Review (flashcard) mode: the due cards one by one — question, answer, and how well you recalled it. */
import { useCallback, useEffect, useRef, useState } from 'react'
import { errorMessage } from '@/api/problem'
import { Button, ButtonLink } from '@/components/Button'
import { EmptyState } from '@/components/EmptyState'
import { ErrorState } from '@/components/ErrorState'
import { RepeatIcon } from '@/components/icons'
import { Page } from '@/components/Page'
import { PageSpinner } from '@/components/Spinner'
import { cx } from '@/components/cx'
import { fetchReviewAnswer, type Rating, type ReviewAnswer, type ReviewCard, useReviewQueue, useSubmitReview } from './api'

export const RATINGS: Array<{ rating: Rating; label: string; hint: string; className: string }> = [
  { rating: 1, label: 'Again', hint: 'I did not remember', className: 'bg-red-700 text-white hover:bg-red-800' },
  { rating: 2, label: 'Hard', hint: 'With effort', className: 'bg-amber-700 text-white hover:bg-amber-800' },
  { rating: 3, label: 'Good', hint: 'After a moment', className: 'bg-emerald-700 text-white hover:bg-emerald-800' },
  { rating: 4, label: 'Easy', hint: 'At once', className: 'bg-brand-700 text-white hover:bg-brand-800' },
]

const CHOICE_TYPES = new Set(['single_choice', 'multiple_choice'])

function Html({ html }: { html: string }) {
  // Sanitised on the server (the content domain renders Markdown to safe HTML).
  return <div className="space-y-2 leading-relaxed [&_a]:underline [&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 dark:[&_code]:bg-slate-800" dangerouslySetInnerHTML={{ __html: html }} />
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
}

export function Flashcard({
  card,
  position,
  total,
  onRated,
}: {
  card: ReviewCard
  position: number
  total: number
  onRated: () => void
}) {
  const [answer, setAnswer] = useState<ReviewAnswer | null>(null)
  const [revealing, setRevealing] = useState(false)
  const [revealError, setRevealError] = useState<string | null>(null)
  const [picked, setPicked] = useState<string[]>([])
  const submit = useSubmitReview()
  const heading = useRef<HTMLHeadingElement>(null)
  const prompt = card.prompt
  const options = prompt?.options ?? []
  const choices = prompt && CHOICE_TYPES.has(prompt.type) ? options : []

  useEffect(() => {
    heading.current?.focus()
  }, [card.id])

  const reveal = useCallback(async () => {
    if (answer || revealing) return
    setRevealing(true)
    setRevealError(null)
    try {
      setAnswer(await fetchReviewAnswer(card.id))
    } catch (error) {
      setRevealError(errorMessage(error))
    } finally {
      setRevealing(false)
    }
  }, [answer, revealing, card.id])

  const rate = useCallback(
    async (rating: Rating) => {
      if (submit.isPending) return
      try {
        await submit.mutateAsync({ cardId: card.id, rating })
        onRated()
      } catch {
        // Shown below from the mutation's error.
      }
    },
    [submit, card.id, onRated],
  )

  const canRate = answer !== null || revealError !== null || !prompt
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return
      if (!canRate && (event.key === ' ' || event.key === 'Enter')) {
        if (event.target instanceof HTMLButtonElement || event.target instanceof HTMLAnchorElement) return
        event.preventDefault()
        void reveal()
      } else if (canRate && ['1', '2', '3', '4'].includes(event.key)) {
        event.preventDefault()
        void rate(Number(event.key) as Rating)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [canRate, reveal, rate])

  const correct = new Set(answer?.answer ?? [])
  const pickedRight = picked.length > 0 && answer !== null && picked.length === correct.size && picked.every((p) => correct.has(p))

  function toggle(option: string) {
    if (answer) return
    if (prompt?.type === 'single_choice') setPicked([option])
    else setPicked((all) => (all.includes(option) ? all.filter((o) => o !== option) : [...all, option]))
  }

  return (
    <article aria-labelledby={`card-${card.id}`} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        Card {position} of {total}
      </p>
      <h2 id={`card-${card.id}`} ref={heading} tabIndex={-1} className="mt-1 text-lg font-semibold focus:outline-none">
        {prompt?.title ?? 'Question'}
      </h2>
      {prompt ? (
        <div className="mt-3">
          <Html html={prompt.text_html} />
          {choices.length > 0 && (
            <ul className="mt-4 grid gap-2" aria-label="Options">
              {choices.map((option) => {
                const chosen = picked.includes(option)
                const right = answer !== null && correct.has(option)
                return (
                  <li key={option}>
                    <button
                      type="button"
                      data-option=""
                      aria-pressed={chosen}
                      disabled={answer !== null}
                      onClick={() => toggle(option)}
                      className={cx(
                        'w-full rounded-lg border px-3 py-2 text-left text-sm',
                        chosen ? 'border-brand-700 ring-2 ring-brand-600' : 'border-slate-300 dark:border-slate-600',
                        right && 'border-emerald-700 bg-emerald-50 font-semibold dark:bg-emerald-900/30',
                      )}
                    >
                      {option}
                      {right && <span className="sr-only"> (correct)</span>}
                    </button>
                  </li>
                )
              })}
            </ul>
          )}
          {prompt.type !== 'single_choice' && prompt.type !== 'multiple_choice' && options.length > 0 && (
            <ul className="mt-3 list-disc pl-6 text-sm">
              {options.map((o) => (
                <li key={o}>{o}</li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <p className="mt-3 text-sm text-slate-700 dark:text-slate-300">This question was removed from its course. Rate it to move on.</p>
      )}

      {answer && (
        <section aria-label="Answer" className="mt-5 rounded-lg bg-slate-100 p-4 dark:bg-slate-800" aria-live="polite">
          <h3 className="font-semibold">Answer</h3>
          {answer.answer.length > 0 ? (
            <ul className="mt-1 text-sm">
              {answer.answer.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          ) : (
            <p className="mt-1 text-sm">A mentor grades this question; compare with the explanation.</p>
          )}
          {picked.length > 0 && (
            <p className={cx('mt-2 text-sm font-semibold', pickedRight ? 'text-emerald-800 dark:text-emerald-300' : 'text-red-800 dark:text-red-300')}>
              {pickedRight ? 'You picked the right answer.' : 'Not what you picked.'}
            </p>
          )}
          {answer.explanation_html && (
            <div className="mt-3 text-sm">
              <h4 className="sr-only">Explanation</h4>
              <Html html={answer.explanation_html} />
            </div>
          )}
        </section>
      )}
      {revealError && (
        <p role="alert" className="mt-4 text-sm text-red-800 dark:text-red-300">
          {revealError}
        </p>
      )}

      <div className="mt-5">
        {!canRate ? (
          <Button onClick={() => void reveal()} pending={revealing}>
            Show answer <kbd className="hidden rounded bg-white/20 px-1 text-xs sm:inline">Space</kbd>
          </Button>
        ) : (
          <div>
            <p id={`rate-${card.id}`} className="mb-2 text-sm font-medium">
              How well did you remember it?
            </p>
            <div role="group" aria-labelledby={`rate-${card.id}`} className="grid grid-cols-2 gap-2 sm:grid-cols-4">
              {RATINGS.map((r) => (
                <button
                  key={r.rating}
                  type="button"
                  disabled={submit.isPending}
                  onClick={() => void rate(r.rating)}
                  aria-keyshortcuts={String(r.rating)}
                  className={cx('flex min-h-12 flex-col items-center justify-center rounded-lg px-2 py-1 text-sm font-semibold disabled:opacity-60', r.className)}
                >
                  <span>
                    {r.label} <kbd className="hidden text-xs opacity-80 sm:inline">{r.rating}</kbd>
                  </span>
                  <span className="text-xs font-normal">{r.hint}</span>
                </button>
              ))}
            </div>
          </div>
        )}
        {submit.isError && (
          <p role="alert" className="mt-2 text-sm text-red-800 dark:text-red-300">
            {errorMessage(submit.error)}
          </p>
        )}
      </div>
    </article>
  )
}

export default function ReviewPage() {
  const queue = useReviewQueue()
  const [index, setIndex] = useState(0)
  const onRated = useCallback(() => setIndex((i) => i + 1), [])
  const body = (() => {
    if (queue.isPending) return <PageSpinner label="Loading your reviews" />
    if (queue.isError) {
      return <ErrorState title="Reviews could not be loaded" message={errorMessage(queue.error)} onRetry={() => void queue.refetch()} />
    }
    const cards = queue.data
    if (cards.length === 0) {
      return (
        <EmptyState
          icon={<RepeatIcon />}
          title="Nothing to review now"
          message="Questions you answer come back here just before you would forget them."
          action={<ButtonLink to="/">Back to home</ButtonLink>}
        />
      )
    }
    if (index >= cards.length) {
      return (
        <EmptyState
          icon={<RepeatIcon />}
          title="Review done"
          message={`You reviewed ${cards.length} ${cards.length === 1 ? 'card' : 'cards'}. Each comes back when it is due again.`}
          action={
            <div className="flex flex-wrap justify-center gap-2">
              <ButtonLink to="/">Back to home</ButtonLink>
              <Button
                variant="secondary"
                onClick={() => void queue.refetch().then(() => setIndex(0))}
              >
                Check for more
              </Button>
            </div>
          }
        />
      )
    }
    const card = cards[index]!
    return <Flashcard key={card.id} card={card} position={index + 1} total={cards.length} onRated={onRated} />
  })()
  return (
    <Page
      title="Review"
      description="Recall the answer before you show it, then say how well you remembered. Keys: Space shows the answer, 1 to 4 rate it."
    >
      {body}
    </Page>
  )
}
