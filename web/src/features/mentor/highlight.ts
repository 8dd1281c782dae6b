/** Code highlighting, loaded only when a reply contains code: highlight.js core and a few languages. */
import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import c from 'highlight.js/lib/languages/c'
import cpp from 'highlight.js/lib/languages/cpp'
import css from 'highlight.js/lib/languages/css'
import java from 'highlight.js/lib/languages/java'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import python from 'highlight.js/lib/languages/python'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import './highlight.css'

const languages = { bash, c, cpp, css, java, javascript, json, python, sql, typescript, xml }
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language)
hljs.configure({ ignoreUnescapedHTML: true })

/** Highlight every `pre > code` block inside `root` (highlight.js escapes the code it colours). */
export function highlightWithin(root: HTMLElement): void {
  for (const block of root.querySelectorAll<HTMLElement>('pre code')) {
    if (block.dataset.highlighted) continue
    const named = [...block.classList].find((c) => c.startsWith('language-'))?.slice('language-'.length)
    if (named && !hljs.getLanguage(named)) {
      block.dataset.highlighted = 'plain'
      continue
    }
    hljs.highlightElement(block)
  }
}
