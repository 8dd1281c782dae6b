/** A reply rendered from Markdown (sanitised), its code highlighted once it is complete. */
import { useEffect, useMemo, useRef } from 'react'
import { renderMarkdown } from './markdown'

export function Markdown({ source, streaming = false }: { source: string; streaming?: boolean }) {
  const root = useRef<HTMLDivElement>(null)
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

  return (
    <div
      ref={root}
      className="mentor-prose"
      // Safe: renderMarkdown escapes raw HTML and sanitises the result with DOMPurify.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  )
}
