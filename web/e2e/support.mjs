// Shared pieces of the end-to-end tests: a real `starguide serve` on a temporary database, and Chromium.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { test } from 'node:test'

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ROOT = resolve(WEB, '..')
export const RESULTS = join(WEB, 'test-results')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

function pythonPath() {
  const candidates = [process.env.STARGUIDE_PYTHON, join(ROOT, '.venv/bin/python')]
  const found = candidates.find((p) => p && existsSync(p))
  if (!found) throw new Error('No Python with StarGuide installed: run `make install` (it creates .venv) or set STARGUIDE_PYTHON.')
  return found
}

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer()
    server.unref()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => ok(port))
    })
  })
}

async function waitReady(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`starguide serve exited with ${child.exitCode}`)
    try {
      const response = await fetch(`${url}/readyz`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`starguide serve was not ready within ${timeoutMs} ms`)
}

/** Start `starguide serve` on a free port with a fresh data folder; returns { url, dataDir, stop }. */
export async function startServer() {
  if (!existsSync(join(ROOT, 'src/starguide/static/index.html'))) {
    throw new Error('The web app is not built: run `npm run build` first.')
  }
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'starguide-e2e-'))
  const url = `http://127.0.0.1:${port}`
  const log = []
  const env = { ...process.env }
  // A developer's own database or Redis must never be touched by the tests.
  delete env.STARGUIDE_DATABASE_URL
  delete env.STARGUIDE_REDIS_URL
  const child = spawn(pythonPath(), ['-m', 'starguide.cli', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    env: {
      ...env,
      PYTHONPATH: join(ROOT, 'src'),
      STARGUIDE_DATA_DIR: dataDir,
      STARGUIDE_PUBLIC_URL: url,
      STARGUIDE_WEB_DIR: join(ROOT, 'src/starguide/static'),
      STARGUIDE_RATE_LIMIT_IP: '100000/minute',
      STARGUIDE_RATE_LIMIT_USER: '100000/minute',
      STARGUIDE_RATE_LIMIT_AUTH: '100000/minute',
      STARGUIDE_RATE_LIMIT_SIGNUP: '100000/minute',
      STARGUIDE_ACCESS_LOG: 'false',
      STARGUIDE_LOG_JSON: 'false',
      STARGUIDE_LOG_LEVEL: 'WARNING',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (chunk) => log.push(String(chunk)))
  child.stderr.on('data', (chunk) => log.push(String(chunk)))
  try {
    await waitReady(url, child)
  } catch (error) {
    child.kill('SIGTERM')
    throw new Error(`${error.message}\n--- server output ---\n${log.join('')}`)
  }
  return {
    url,
    dataDir,
    log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL')
            r()
          }, 10_000)
          child.once('exit', () => {
            clearTimeout(timer)
            r()
          })
        })
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

const counters = new Map()
/** A full-page screenshot under web/test-results/, `<series>-<nn>-<name>.png` in the order taken. */
export async function shot(page, series, name) {
  mkdirSync(RESULTS, { recursive: true })
  const number = (counters.get(series) ?? 0) + 1
  counters.set(series, number)
  const file = join(RESULTS, `${series}-${String(number).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/**
 * The `step` of a journey file: a test that is skipped once an earlier one failed (each depends on the
 * ones before), and that on failure prints the API errors seen so far and saves a screenshot.
 */
/** A JSON call to the API at `base` as `token` (none: anonymous); throws on an unexpected status. */
export async function callApi(base, method, path, { token, body, status = [200, 201, 204] } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!status.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return text ? JSON.parse(text) : null
}

export function journeySteps(series, currentPage, apiFailures) {
  let failed = false
  return function step(name, fn) {
    test(name, async (t) => {
      if (failed) {
        t.skip('an earlier step failed')
        return
      }
      try {
        await fn(t)
      } catch (error) {
        failed = true
        if (apiFailures.length) console.error(`API answers with errors so far:\n${apiFailures.join('\n')}`)
        const page = currentPage()
        if (page) await shot(page, series, `FAILED-${name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {})
        throw error
      }
    })
  }
}
