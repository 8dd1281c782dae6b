/** HTML the server rendered and sanitised (lessons, question texts), styled as reading text. */
import { cx } from './cx'

const PROSE = [
  'max-w-none break-words text-slate-900 dark:text-slate-100 leading-relaxed',
  '[&_h1]:mt-6 [&_h1]:mb-3 [&_h1]:text-2xl [&_h1]:font-bold',
  '[&_h2]:mt-5 [&_h2]:mb-2 [&_h2]:text-xl [&_h2]:font-semibold',
  '[&_h3]:mt-4 [&_h3]:mb-2 [&_h3]:text-lg [&_h3]:font-semibold',
  '[&_p]:my-3 [&_ul]:my-3 [&_ul]:list-disc [&_ul]:pl-6 [&_ol]:my-3 [&_ol]:list-decimal [&_ol]:pl-6',
  '[&_a]:text-brand-700 [&_a]:underline dark:[&_a]:text-brand-300',
  '[&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 dark:[&_code]:bg-slate-800',
  '[&_pre]:my-3 [&_pre]:overflow-x-auto [&_pre]:rounded-lg [&_pre]:bg-slate-100 [&_pre]:p-3 dark:[&_pre]:bg-slate-800',
  '[&_blockquote]:border-l-4 [&_blockquote]:border-slate-300 [&_blockquote]:pl-3 [&_blockquote]:italic',
  '[&_table]:my-3 [&_table]:block [&_table]:overflow-x-auto [&_td]:border [&_td]:px-2 [&_td]:py-1 [&_th]:border [&_th]:px-2 [&_th]:py-1',
  '[&_img]:h-auto [&_img]:max-w-full',
].join(' ')

/** `html` must come from the API, which sanitises it (see docs/content.md); never from user input here. */
export function Prose({ html, className, label }: { html: string; className?: string; label?: string }) {
  return <div aria-label={label} className={cx(PROSE, className)} dangerouslySetInnerHTML={{ __html: html }} />
}
