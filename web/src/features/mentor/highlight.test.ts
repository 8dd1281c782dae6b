import { describe, expect, it } from 'vitest'
import { highlightWithin } from './highlight'
import { renderMarkdown } from './markdown'

describe('code highlighting', () => {
  it('colours known languages, keeps the code text, and leaves unknown languages plain', () => {
    const root = document.createElement('div')
    root.innerHTML = renderMarkdown('```python\ndef twice(x):\n    return 2 * x  # <b>not markup</b>\n```\n\n```klingon\nqapla\n```')
    highlightWithin(root)
    const [python, unknown] = [...root.querySelectorAll<HTMLElement>('pre code')]
    expect(python!.querySelector('.hljs-keyword')?.textContent).toBe('def')
    expect(python!.textContent).toBe('def twice(x):\n    return 2 * x  # <b>not markup</b>\n')
    expect(python!.querySelector('b')).toBeNull()
    expect(unknown!.dataset.highlighted).toBe('plain')
    expect(unknown!.querySelector('span')).toBeNull()
  })
})
