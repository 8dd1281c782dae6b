// The mentor in the real app: a learner of the demo organisation asks the offline mentor about a
// lesson topic, watches the answer stream in (read with fetch, bearer token, text/event-stream),
// follows the citation to the lesson, finds the conversation again; the admin sees the call in
// the AI usage pages and stores a provider key of which only the last 4 characters come back.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { journeySteps, launchBrowser, shot, startServer } from './support.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const QUESTION = 'How do astronomers measure the brightness of stars with magnitudes?'
const LESSON = 'How bright? The magnitude scale'

let server
let browser
let page
let people
const apiFailures = []
let replyStream = null
let lessonHref = null

const step = journeySteps('mentor', () => page, apiFailures)

/** `starguide seed-demo` on the server's data folder: the demo organisation, its people and course. */
function seedDemo(dataDir) {
  const python = [process.env.STARGUIDE_PYTHON, join(ROOT, '.venv/bin/python')].find((p) => p && existsSync(p))
  const env = { ...process.env, PYTHONPATH: join(ROOT, 'src'), STARGUIDE_DATA_DIR: dataDir, STARGUIDE_LOG_LEVEL: 'WARNING' }
  delete env.STARGUIDE_DATABASE_URL
  delete env.STARGUIDE_REDIS_URL
  // Not `-m starguide.cli`: run as __main__, the domains' commands would register on another copy.
  const main = 'from starguide.cli import main; raise SystemExit(main())'
  const run = spawnSync(python, ['-c', main, 'seed-demo'], { cwd: ROOT, env, encoding: 'utf8' })
  assert.equal(run.status, 0, `seed-demo failed:\n${run.stdout}\n${run.stderr}`)
  const found = {}
  for (const line of run.stdout.split('\n')) {
    const match = /^\s+(learner|mentor|org_admin)\s+(\S+@\S+)\s+(\S+)$/.exec(line)
    if (match && !found[match[1]]) found[match[1]] = { email: match[2], password: match[3] }
  }
  assert.ok(found.learner && found.org_admin, `no demo accounts in:\n${run.stdout}`)
  return found
}

before(async () => {
  server = await startServer()
  people = seedDemo(server.dataDir)
  browser = await launchBrowser()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('response', async (response) => {
    const url = new URL(response.url())
    if (url.pathname.startsWith('/api/') && response.status() >= 400) {
      apiFailures.push(`${response.request().method()} ${url.pathname} ${response.status()} ${await response.text().catch(() => '')}`)
    }
    if (/\/api\/v1\/mentor\/conversations\/[^/]+\/messages$/.test(url.pathname)) {
      replyStream = {
        status: response.status(),
        contentType: response.headers()['content-type'] ?? '',
        authorization: (await response.request().allHeaders()).authorization ?? '',
        body: await response.text().catch(() => ''),
      }
    }
  })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const mainNav = () => page.getByRole('navigation', { name: 'Main' }).first()

async function signIn(who) {
  await page.goto(server.url + '/login')
  await page.getByLabel('E-mail').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await mainNav().waitFor()
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(/\/login$/)
}

step('a learner of the demo organisation opens the mentor from the navigation', async () => {
  await signIn(people.learner)
  await mainNav().getByRole('link', { name: 'Mentor' }).click()
  await page.waitForURL(/\/mentor$/)
  await page.getByRole('heading', { name: 'Mentor', exact: true }).waitFor()
  await page.getByText('No conversations yet.').waitFor()
  await shot(page, 'mentor', 'empty')
})

step('asks about a lesson topic and sees the answer stream in, with a citation of the lesson', async () => {
  await page.getByLabel('Your question').fill(QUESTION)
  await page.getByRole('button', { name: 'Ask the mentor' }).click()
  await page.waitForURL(/\/mentor\/[0-9a-f-]{36}$/)
  const reply = page.getByTestId('mentor-reply').last()
  await reply.getByText('No AI model is configured', { exact: false }).waitFor()
  const citation = reply.getByRole('list', { name: 'Lessons cited' }).getByRole('link', { name: LESSON })
  await citation.waitFor()
  // The reply came as server-sent events over fetch, with the in-memory bearer token.
  assert.ok(replyStream, 'no reply stream was seen')
  assert.equal(replyStream.status, 200)
  assert.match(replyStream.contentType, /^text\/event-stream/)
  assert.match(replyStream.authorization, /^Bearer /)
  assert.ok((replyStream.body.match(/^event: delta$/gm) ?? []).length > 1, 'the answer came in one piece, not streamed')
  assert.match(replyStream.body, /^event: done$/m)
  // Written by the mentor as Markdown, rendered as HTML (its own list of sources links the lessons too).
  assert.equal(await page.getByRole('button', { name: 'Stop' }).count(), 0)
  assert.equal(await reply.locator('.mentor-prose blockquote').count() > 0, true)
  assert.equal(await reply.locator('.mentor-prose li a').first().getAttribute('href'), await citation.getAttribute('href'))
  assert.ok((await reply.innerText()).includes('?'))
  // Who can read the conversation is said plainly; the conversation is listed under the question.
  await page.getByText(/admins can read/).first().waitFor()
  await page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: /brightness of stars/i }).waitFor()
  await shot(page, 'mentor', 'answered')
})

step('the citation opens the lesson', async () => {
  const reply = page.getByTestId('mentor-reply').last()
  const href = await reply.getByRole('list', { name: 'Lessons cited' }).getByRole('link', { name: LESSON }).getAttribute('href')
  assert.match(href, /^\/lessons\/[0-9a-f-]{36}$/)
  lessonHref = href
  await reply.getByRole('list', { name: 'Lessons cited' }).getByRole('link', { name: LESSON }).click()
  await page.waitForURL((url) => url.pathname === href)
  // The lesson reader shows it (its title is the page's heading, and the lesson's own first one).
  await page.getByRole('heading', { name: LESSON, level: 1 }).first().waitFor()
  await page.getByText('Hipparchus', { exact: false }).first().waitFor()
  await shot(page, 'mentor', 'lesson')
  await page.goBack()
  await page.waitForURL(/\/mentor\/[0-9a-f-]{36}$/)
})

step('the answer is kept: after a reload it is there with its citation; the conversation can be renamed and found', async () => {
  await page.reload()
  const reply = page.getByTestId('mentor-reply').last()
  await reply.getByRole('list', { name: 'Lessons cited' }).getByRole('link', { name: LESSON }).waitFor()
  await page.getByRole('button', { name: /^Rename/ }).first().click()
  const dialog = page.getByRole('dialog', { name: 'Rename conversation' })
  await dialog.getByLabel('Name').fill('Star magnitudes')
  await dialog.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('heading', { name: 'Star magnitudes' }).waitFor()
  await page.getByLabel('Search conversations').fill('Hipparchus')  // a word of the answer, not of the title
  await page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: 'Star magnitudes' }).waitFor()
  await page.getByLabel('Search conversations').fill('comets')
  await page.getByText('No conversation matches.').waitFor()
  await shot(page, 'mentor', 'renamed')
})

step('on a 360 px phone the chat fits the screen', async () => {
  await page.setViewportSize({ width: 360, height: 740 })
  await page.reload()
  await page.getByTestId('mentor-reply').last().getByRole('list', { name: 'Lessons cited' }).waitFor()
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 360, `the page is ${width} px wide`)
  await page.getByLabel('Your question').waitFor()
  await shot(page, 'mentor', 'phone')
  await page.setViewportSize({ width: 1280, height: 900 })
})

step('from a lesson, the learner asks the mentor about that lesson', async () => {
  await page.goto(server.url + lessonHref)
  await page.getByRole('link', { name: 'Ask the mentor about this lesson' }).click()
  await page.waitForURL((url) => url.pathname === '/mentor' && url.searchParams.get('lesson') === lessonHref.split('/').pop())
  await page.getByLabel('Your question').fill('Can you explain this lesson?')
  const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/mentor/conversations' && r.request().method() === 'POST')
  await page.getByRole('button', { name: 'Ask the mentor' }).click()
  const conversation = await (await created).json()
  // The conversation is about the lesson (and its course): the mentor's prompt names them.
  assert.equal(conversation.lesson_id, lessonHref.split('/').pop())
  assert.match(conversation.course_id ?? '', /^[0-9a-f-]{36}$/)
  await page.waitForURL(/\/mentor\/[0-9a-f-]{36}$/)
  const reply = page.getByTestId('mentor-reply').last()
  await reply.getByText('No AI model is configured', { exact: false }).waitFor()
  // "this lesson" matches no words of it, yet the lesson is the material the answer quotes and cites
  await reply.getByRole('list', { name: 'Lessons cited' }).getByRole('link', { name: LESSON }).waitFor()
  await shot(page, 'mentor', 'about-lesson')
})

step('a learner sees no AI settings, and is refused them', async () => {
  assert.equal(await mainNav().getByRole('link', { name: 'AI settings' }).count(), 0)
  await page.goto(server.url + '/admin/ai/usage')
  await page.getByRole('heading', { name: "You don't have access to this page" }).waitFor()
  await signOut()
})

step("the admin sees the learner's call in the usage, and stores a key shown only by its last 4 characters", async () => {
  await signIn(people.org_admin)
  await mainNav().getByRole('link', { name: 'AI settings' }).click()
  await page.waitForURL(/\/admin\/ai\/providers$/)
  await page.getByRole('table', { name: 'Deployments' }).getByRole('cell', { name: 'offline', exact: true }).first().waitFor()
  await page.getByRole('button', { name: 'Add a key' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a provider key' })
  await dialog.getByLabel('Provider').selectOption('anthropic')
  await dialog.getByLabel('API key').fill('sk-ant-e2e-secret-9876')
  await dialog.getByRole('button', { name: 'Save key' }).click()
  await page.getByText('••••9876').waitFor()
  assert.equal(await page.getByText('sk-ant-e2e-secret').count(), 0)
  await shot(page, 'mentor', 'ai-keys')
  await page.getByRole('link', { name: 'Aliases' }).click()
  await page.getByLabel('Try mentor-default').fill('Tell me about Polaris')
  await page.getByRole('button', { name: 'Send' }).first().click()
  await page.getByText(/^answered by offline · \d+ tokens in, \d+ out/).waitFor()
  await page.getByRole('link', { name: 'Usage' }).click()
  await page.getByLabel('By').selectOption('user')
  await page.getByRole('cell', { name: 'Lena Fischer' }).waitFor()
  await page.getByRole('table', { name: 'Latest AI calls' }).getByRole('cell', { name: 'mentor-default' }).first().waitFor()
  await shot(page, 'mentor', 'ai-usage')
})
