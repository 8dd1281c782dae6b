// The installed app shell starts without a network and says that it is offline.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchBrowser, shot, startServer } from './support.mjs'

let server
let browser

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the manifest makes the app installable', async () => {
  const response = await fetch(`${server.url}/manifest.webmanifest`)
  assert.equal(response.status, 200)
  const manifest = await response.json()
  assert.equal(manifest.display, 'standalone')
  assert.ok(manifest.icons.some((icon) => icon.sizes === '512x512'))
  assert.equal(response.headers.get('cache-control'), 'no-cache')
})

test('after a first visit the shell loads offline with an offline banner', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(server.url + '/login')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  // The worker claims the page; wait until it controls it so the reload is served from the cache.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
  await context.setOffline(true)
  await page.reload()
  await page.getByText('You are offline.').waitFor()
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await shot(page, 'offline', 'offline-shell-360px')
  await context.close()
})
