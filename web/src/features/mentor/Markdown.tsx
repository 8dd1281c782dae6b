/** A reply rendered from Markdown (sanitised), its code highlighted once it is complete. */
import { type MouseEvent, useEffect, useMemo, useRef } from 'react'
import { useNavigate } from 'react-router'
import { renderMarkdown } from './markdown'

export function Markdown({ source, streaming = false }: { source: string; streaming?: boolean }) {
  const root = useRef<HTMLDivElement>(null)
  const navigate = useNavigate()
  const html = useMemo(() => renderMarkdown(source), [source])

  useEffect(() => {
    const element = root.current
    // While the text streams the code is still changing: colour it once, at the end.
    if (!element || streaming || !element.querySelector('pre code')) return
    let cancelled = false
    void import('./highlight').then(({ highlightWithin }) => {
      if (!cancelled) highlightWithin(element)
    })
    return () => {
      cancelled = true
    }
  }, [html, streaming])

  // Links to the app's own pages (a cited lesson) open inside the app, without a reload.
  function onClick(event: MouseEvent<HTMLDivElement>) {
    const link = (event.target as Element).closest?.('a')
    const href = link?.getAttribute('href') ?? ''
    if (!link || !href.startsWith('/') || href.startsWith('//')) return
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(href)
  }

  return (
    // The click handler only routes links: keyboard users activate the links themselves.
    <div
      ref={root}
      className="mentor-prose"
      onClick={onClick}
      // Safe: renderMarkdown escapes raw HTML and sanitises the result with DOMPurify.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  )
}
