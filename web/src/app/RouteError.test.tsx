import { screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { renderRoutes } from '@/test/render'
import { isChunkLoadFailure, RouteError } from './RouteError'

function Throws({ error }: { error: Error }): never {
  throw error
}

const renderFailing = (error: Error) =>
  renderRoutes([{ errorElement: <RouteError />, children: [{ path: '/x', element: <Throws error={error} /> }] }], '/x')

describe('a screen that fails', () => {
  it('asks to reload when its code is from an older release', async () => {
    renderFailing(new TypeError('Failed to fetch dynamically imported module: https://x/assets/Quiz-1a2b.js'))
    expect(await screen.findByRole('heading', { name: 'StarGuide has been updated' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Go to home' })).toHaveAttribute('href', '/')
  })

  it('shows a plain message, never the error itself, for anything else', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    renderFailing(new Error('Cannot read properties of undefined (reading "title")'))
    expect(await screen.findByRole('heading', { name: 'Something went wrong' })).toBeInTheDocument()
    expect(screen.queryByText(/Cannot read properties/)).not.toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument()
    expect(logged).toHaveBeenCalled()
  })

  it('recognises the failed-import messages of each browser', () => {
    expect(isChunkLoadFailure(new TypeError('Failed to fetch dynamically imported module: /a.js'))).toBe(true) // Chromium
    expect(isChunkLoadFailure(new TypeError('error loading dynamically imported module: /a.js'))).toBe(true) // Firefox
    expect(isChunkLoadFailure(new TypeError('Importing a module script failed.'))).toBe(true) // Safari
    expect(isChunkLoadFailure(new Error('Network request failed'))).toBe(false)
    expect(isChunkLoadFailure('nothing')).toBe(false)
  })
})
