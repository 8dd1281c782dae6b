import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'

function dom(html: string): HTMLElement {
  const div = document.createElement('div')
  div.innerHTML = html
  return div
}

describe('Markdown from the model', () => {
  it('renders Markdown: emphasis, lists, quotes, code blocks with their language', () => {
    const root = dom(renderMarkdown('**Sirius** is bright.\n\n- one\n- two\n\n> quoted [1]\n\n```python\nprint("hi")\n```'))
    expect(root.querySelector('strong')?.textContent).toBe('Sirius')
    expect(root.querySelectorAll('li')).toHaveLength(2)
    expect(root.querySelector('blockquote')?.textContent).toContain('quoted [1]')
    expect(root.querySelector('pre code.language-python')?.textContent).toBe('print("hi")\n')
  })

  it('shows raw HTML as text instead of running it', () => {
    const root = dom(renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror="alert(2)"> <b onclick="x()">bold</b>\n\n<iframe src="https://evil.example"></iframe>'))
    expect(root.querySelector('script, img, iframe, b')).toBeNull()
    expect(root.textContent).toContain('<script>alert(1)</script>')
    const handlers = [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')))
    expect(handlers).toEqual([])
  })

  it('removes dangerous links and images, and opens outside links in a new tab without the opener', () => {
    const root = dom(
      renderMarkdown('[click](javascript:alert(1)) [data](data:text/html,hi) ![pic](https://x.example/a.png) [out](https://example.org) [lesson](/courses/c1/lessons/l1)'),
    )
    const links = [...root.querySelectorAll('a')]
    expect(links.map((a) => a.getAttribute('href'))).toEqual([null, null, 'https://example.org', '/courses/c1/lessons/l1'])
    expect(root.querySelector('img')).toBeNull()
    const outside = links[2]!
    expect(outside.getAttribute('target')).toBe('_blank')
    expect(outside.getAttribute('rel')).toBe('noopener noreferrer nofollow')
    expect(links[3]!.getAttribute('target')).toBeNull()
  })
})
