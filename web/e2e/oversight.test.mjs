// Oversight in the real app: a learner writes to the mentor something the safety filter holds; the
// organisation's admin, with the Alerts page open, is told at once (Socket.IO toast, count badge), reads
// the alert, opens the learner's conversation with the held message marked, and resolves the alert; then the
// AI grade panel of a mentor's attempt review.
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { callApi, journeySteps, launchBrowser, shot, startServer } from './support.mjs'

const stamp = Date.now().toString(36)
const PASSWORD = 'nebula-harbour-7731'
const admin = { name: 'Ada Admin', email: `ada-${stamp}@example.org` }
const learner = { name: 'Lee Learner', email: `lee-${stamp}@example.org` }
const HELD = 'I want to kill myself'
const seed = {}

let server
let browser
let adminPage
let learnerPage
const apiFailures = []

const step = journeySteps('oversight', () => adminPage, apiFailures)

const call = (method, path, options) => callApi(server.url, method, path, options)

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('response', async (response) => {
    const url = new URL(response.url())
    if (url.pathname.startsWith('/api/') && response.status() >= 400) {
      apiFailures.push(`${response.request().method()} ${url.pathname} ${response.status()} ${await response.text().catch(() => '')}`)
    }
  })
  return page
}

async function signIn(page, who) {
  await page.goto(server.url + '/login')
  await page.getByLabel('E-mail').fill(who.email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).first().waitFor()
}

const mainNav = (page) => page.getByRole('navigation', { name: 'Main' }).first()

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  adminPage = await newPage()
  learnerPage = await newPage()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

step('seed: an organisation with its admin and a learner', async () => {
  const a = await call('POST', '/api/v1/auth/signup', { body: { email: admin.email, password: PASSWORD, display_name: admin.name } })
  const org = await call('POST', '/api/v1/orgs', { token: a.access_token, body: { name: 'Star School', slug: `star-${stamp}`, time_zone: 'UTC' } })
  const pair = await call('POST', '/api/v1/auth/switch-organisation', { token: a.access_token, body: { organisation_id: org.id } })
  const invitation = await call('POST', '/api/v1/org/invitations', { token: pair.access_token, body: { role: 'learner', expires_in_days: 7 } })
  const l = await call('POST', '/api/v1/auth/signup', {
    body: { email: learner.email, password: PASSWORD, display_name: learner.name, invitation_token: invitation.token },
  })
  seed.admin = pair.access_token
  seed.learner = l.access_token
})

step('the admin opens Alerts: nothing is open yet', async () => {
  await signIn(adminPage, admin)
  await mainNav(adminPage).getByRole('link', { name: 'Alerts' }).click()
  await adminPage.getByRole('heading', { name: 'Safety alerts' }).waitFor()
  await adminPage.getByText('No open alerts').waitFor()
})

step('the learner writes to the mentor something the safety filter holds, and reads a kind message', async () => {
  await signIn(learnerPage, learner)
  assert.equal(await mainNav(learnerPage).getByRole('link', { name: 'Alerts' }).count(), 0)
  await mainNav(learnerPage).getByRole('link', { name: 'Mentor' }).click()
  await learnerPage.getByLabel('Your question').fill(HELD)
  await learnerPage.getByRole('button', { name: 'Ask the mentor' }).click()
  await learnerPage.waitForURL(/\/mentor\/[0-9a-f-]{36}$/)
  await learnerPage.getByTestId('mentor-reply').last().getByText(/mentor has been told|a person/i).first().waitFor()
  await shot(learnerPage, 'oversight', 'learner-held')
})

step('the admin is told at once: a toast, the count on Alerts, the alert in the list', async () => {
  await adminPage.getByText(`A message from ${learner.name} was held (Self-harm). See Alerts.`).waitFor()
  await mainNav(adminPage).getByRole('link', { name: /^Alerts\W*1 open$/ }).waitFor()
  await adminPage.getByRole('table', { name: 'Open alerts' }).getByRole('link', { name: learner.name }).waitFor()
  await shot(adminPage, 'oversight', 'alerts-open')
})

step('the admin reads the alert and opens the conversation, the held message marked', async () => {
  await adminPage.getByRole('table', { name: 'Open alerts' }).getByRole('link', { name: learner.name }).click()
  await adminPage.getByRole('heading', { name: `Alert: ${learner.name}` }).waitFor()
  const held = adminPage.getByRole('article', { name: /Learner, .*held/ })
  await held.getByText(HELD).waitFor()
  await held.getByText('Held: Self-harm').waitFor()
  await shot(adminPage, 'oversight', 'alert')
  await adminPage.getByRole('link', { name: 'Open the conversation' }).click()
  await adminPage.waitForURL(/\/learner-conversations\/[0-9a-f-]{36}#message-/)
  await adminPage.getByText(/1 message was held by the safety filter/).waitFor()
  const marked = adminPage.getByRole('log', { name: 'Messages' }).getByRole('article', { name: /Learner, .*held/ })
  await marked.getByText('Held: Self-harm').waitFor()
  assert.equal(await adminPage.getByLabel('Your question').count(), 0)
  await shot(adminPage, 'oversight', 'conversation')
  // The conversation is also listed under the learner.
  await adminPage.getByRole('link', { name: 'Their conversations' }).click()
  await adminPage.getByRole('heading', { name: `Conversations: ${learner.name}` }).waitFor()
  await adminPage.goBack()
  await adminPage.goBack()
})

step('the admin resolves the alert with a note; it moves to Resolved and the count goes', async () => {
  await adminPage.getByRole('heading', { name: `Alert: ${learner.name}` }).waitFor()
  await adminPage.getByLabel('What was done (optional)').fill('Talked with Lee and the school counsellor.')
  await adminPage.getByRole('button', { name: 'Mark as resolved' }).click()
  await adminPage.getByText('Alert resolved.').waitFor()
  await adminPage.getByText(/Resolved by you/).waitFor()
  await mainNav(adminPage).getByRole('link', { name: 'Alerts', exact: true }).waitFor()
  await mainNav(adminPage).getByRole('link', { name: 'Alerts', exact: true }).click()
  await adminPage.getByText('No open alerts').waitFor()
  await adminPage.getByRole('button', { name: 'Resolved' }).click()
  await adminPage.getByRole('table', { name: 'Resolved alerts' }).getByRole('link', { name: learner.name }).waitFor()
  await shot(adminPage, 'oversight', 'resolved')
})

step('AI grades in the attempt review: with no grader model, the panel says the mentor grades', async () => {
  // A course with a free-text question; the learner hands in an answer (through the API).
  const course = await call('POST', '/api/v1/courses', { token: seed.admin, body: { slug: 'sky', title: 'The night sky' } })
  const question = await call('POST', `/api/v1/courses/${course.id}/questions`, {
    token: seed.admin,
    body: {
      key: 'parsec',
      question: { type: 'free_text', text: 'Explain what a parsec is.', rubric: 'Mentions parallax and one arcsecond.', explanation: 'About 3.26 light-years.' },
    },
  })
  await call('PATCH', `/api/v1/courses/${course.id}`, { token: seed.admin, body: { published: true } })
  const quiz = await call('POST', '/api/v1/assessments', {
    token: seed.admin,
    body: { course_id: course.id, title: 'Distances', published: true, policy: { questions: [question.id] } },
  })
  await call('POST', `/api/v1/courses/${course.id}/enrolment`, { token: seed.learner })
  const attempt = await call('POST', `/api/v1/assessments/${quiz.id}/attempts`, { token: seed.learner })
  await call('PUT', `/api/v1/attempts/${attempt.id}/answers/${question.id}`, {
    token: seed.learner,
    body: { answer: { type: 'free_text', text: 'The distance at which one astronomical unit subtends one arcsecond.' } },
  })
  await call('POST', `/api/v1/attempts/${attempt.id}/submit`, { token: seed.learner })
  await adminPage.goto(`${server.url}/attempts/${attempt.id}`)
  const panel = adminPage.getByRole('region', { name: 'AI grade' })
  await panel.getByText('No AI grader is set up for this organisation: grade the answer yourself.').waitFor({ timeout: 30_000 })
  assert.equal(await panel.getByRole('button').count(), 0)
  await adminPage.getByRole('button', { name: 'Grade', exact: true }).waitFor()
  await shot(adminPage, 'oversight', 'ai-grade')
})

step('at 360 px the alerts and the conversation fit the screen', async () => {
  await adminPage.setViewportSize({ width: 360, height: 800 })
  for (const path of ['/alerts?status=resolved', '/learner-conversations']) {
    await adminPage.goto(server.url + path)
    await adminPage.getByRole('table').first().waitFor()
    const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`)
  }
  await shot(adminPage, 'oversight', 'conversations-360')
})
