/** Previous / next over a paged list, with where the page stands ("21–40 of 57"). */
import { Button } from '@/components/Button'

export function Pager({
  offset,
  limit,
  total,
  onChange,
  label,
}: {
  offset: number
  limit: number
  total: number
  onChange: (offset: number) => void
  label: string
}) {
  if (total <= limit && offset === 0) return null
  const first = Math.min(offset + 1, total)
  const last = Math.min(offset + limit, total)
  return (
    <nav aria-label={label} className="flex flex-wrap items-center justify-between gap-2 text-sm">
      <p aria-live="polite">
        {first}–{last} of {total}
      </p>
      <div className="flex gap-2">
        <Button variant="secondary" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
          Previous
        </Button>
        <Button variant="secondary" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
          Next
        </Button>
      </div>
    </nav>
  )
}

/** A non-negative whole number from the address bar (`?page=` and friends), or 0. */
export function offsetFrom(value: string | null): number {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? n : 0
}
