/** Switch between light and dark from the app bar. */
import { useState } from 'react'
import { applyTheme, setTheme, storedTheme } from '@/lib/theme'

function isDark(): boolean {
  return document.documentElement.classList.contains('dark')
}

export function ThemeToggle() {
  const [dark, setDark] = useState(isDark)
  return (
    <button
      type="button"
      aria-pressed={dark}
      aria-label="Dark theme"
      title="Dark theme"
      onClick={() => {
        const next = dark ? 'light' : 'dark'
        setTheme(next)
        applyTheme(storedTheme())
        setDark(isDark())
      }}
      className="inline-flex size-10 items-center justify-center rounded-lg text-lg hover:bg-slate-200 dark:hover:bg-slate-800"
    >
      <span aria-hidden="true">{dark ? '☾' : '☀'}</span>
    </button>
  )
}
