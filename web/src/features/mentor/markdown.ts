/**
 * Markdown from the model, rendered to safe HTML: raw HTML in the text is shown as text (never
 * parsed), and the result goes through DOMPurify anyway, so a reply can never inject markup,
 * scripts or `javascript:` links.
 */
import DOMPurify from 'dompurify'
import { Marked, type Tokens } from 'marked'

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text)
    },
  },
})

let hooked = false

/** Markdown → sanitised HTML. Links open in a new tab without handing over the opener. */
export function renderMarkdown(source: string): string {
  if (!hooked) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.getAttribute('href')) {
        const href = node.getAttribute('href') ?? ''
        if (!href.startsWith('/') && !href.startsWith('#')) {
          node.setAttribute('target', '_blank')
          node.setAttribute('rel', 'noopener noreferrer nofollow')
        }
      }
    })
    hooked = true
  }
  const html = marked.parse(source) as string
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img', 'iframe', 'svg', 'math'],
    FORBID_ATTR: ['style'],
  })
}
