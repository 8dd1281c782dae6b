// Print the JavaScript a first visit downloads (gzipped): the scripts and modulepreloads of index.html.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const OUT = new URL('../../src/starguide/static/', import.meta.url).pathname
const BUDGET_KB = 250
const html = readFileSync(join(OUT, 'index.html'), 'utf8')
const refs = new Set()
for (const match of html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/g)) refs.add(match[1])
for (const match of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) refs.add(match[1])
for (const match of html.matchAll(/<link[^>]*href="([^"]+\.js)"[^>]*rel="modulepreload"/g)) refs.add(match[1])

let total = 0
const rows = []
for (const ref of refs) {
  const file = join(OUT, ref.replace(/^\//, ''))
  if (!existsSync(file)) throw new Error(`index.html references ${ref}, which the build did not write`)
  const size = gzipSync(readFileSync(file), { level: 9 }).length
  total += size
  rows.push(`  ${ref}  ${(size / 1024).toFixed(1)} KB`)
}
console.log(`First-load JavaScript (gzip): ${(total / 1024).toFixed(1)} KB in ${refs.size} file(s), budget ${BUDGET_KB} KB`)
console.log(rows.join('\n'))
if (total > BUDGET_KB * 1024) {
  console.error(`First-load JavaScript is over the ${BUDGET_KB} KB budget.`)
  process.exit(1)
}
