// Content and quizzes through the real app: a mentor writes a course, builds a three-question quiz
// from its bank and assigns it; a learner takes it, hands it in and reads the result and explanations.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { journeySteps, launchBrowser, shot, startServer } from './support.mjs'

const PASSWORD = 'harbour-nebula-5531'
const stamp = Date.now().toString(36)
const admin = { name: 'Ada Admin', email: `ada-${stamp}@example.org` }
const mentor = { name: 'Mo Mentor', email: `mo-${stamp}@example.org` }
const learner = { name: 'Lee Learner', email: `lee-${stamp}@example.org` }
const COURSE = 'Stars for beginners'
const QUIZ = 'Stars check-up'

let server
let browser
let page
const apiFailures = []

const step = journeySteps('quiz', () => page, apiFailures)

/** A JSON call to the API as a script would make it (the set-up that is not under test). */
async function call(method, path, { token, body } = {}) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`)
  return text ? JSON.parse(text) : null
}

const main = () => page.getByRole('navigation', { name: 'Main' }).first()
const authorUrls = []

/** At 360 px wide, the page scrolls only downwards (tables scroll inside their own box). */
async function fitsPhone(url) {
  const viewport = page.viewportSize()
  await page.setViewportSize({ width: 360, height: 740 })
  if (url) await page.goto(url)
  await page.getByRole('heading', { level: 1 }).first().waitFor()
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  await page.setViewportSize(viewport)
  assert.ok(overflow <= 0, `${url ?? page.url()} is ${overflow}px wider than the screen`)
}

async function signIn(who) {
  await page.goto(server.url + '/login')
  await page.getByLabel('E-mail').fill(who.email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: /Good (morning|afternoon|evening)/ }).waitFor()
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(/\/login$/)
}

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('response', async (response) => {
    const url = new URL(response.url())
    if (url.pathname.startsWith('/api/') && response.status() >= 400) {
      apiFailures.push(`${response.request().method()} ${url.pathname} ${response.status()} ${await response.text().catch(() => '')}`)
    }
  })
  // An organisation with a mentor and a learner, both invited by its admin.
  const first = await call('POST', '/auth/signup', { body: { email: admin.email, password: PASSWORD, display_name: admin.name } })
  const org = await call('POST', '/orgs', { token: first.access_token, body: { name: 'Hillside Observatory', slug: `hillside-${stamp}` } })
  const pair = await call('POST', '/auth/switch-organisation', { token: first.access_token, body: { organisation_id: org.id } })
  for (const [who, role] of [
    [mentor, 'mentor'],
    [learner, 'learner'],
  ]) {
    const invitation = await call('POST', '/org/invitations', { token: pair.access_token, body: { role } })
    await call('POST', '/auth/signup', {
      body: { email: who.email, password: PASSWORD, display_name: who.name, invitation_token: invitation.token },
    })
  }
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

step('the mentor creates a course and publishes it', async () => {
  await signIn(mentor)
  await main().getByRole('link', { name: 'Course authoring' }).click()
  await page.getByRole('heading', { name: 'Course authoring' }).waitFor()
  await page.getByText('No courses yet').waitFor()
  await page.getByLabel('Course title').fill(COURSE)
  await page.getByLabel('Summary').fill('What the night sky shows, and how bright its stars are.')
  await page.getByRole('button', { name: 'Create course' }).click()
  await page.getByRole('heading', { name: `Edit: ${COURSE}` }).waitFor()
  await page.getByRole('button', { name: 'Publish course' }).click()
  await page.getByText('Published: learners can see it.').waitFor()
  await page.getByLabel('New skill').fill('Star brightness')
  await page.getByRole('button', { name: 'Add skill' }).click()
  await page.getByRole('list', { name: 'Skills of the course' }).getByText('Star brightness').waitFor()
})

step('the mentor writes a lesson in Markdown and previews the server’s rendering', async () => {
  await page.getByLabel('New module').fill('The brightest stars')
  await page.getByRole('button', { name: 'Add module' }).click()
  await page.getByLabel('New lesson in The brightest stars').fill('Magnitudes')
  await page.getByRole('button', { name: 'Add lesson' }).click()
  await page.getByRole('link', { name: 'Magnitudes' }).click()
  await page.getByRole('heading', { name: 'Edit lesson: Magnitudes' }).waitFor()
  await page.getByLabel('Lesson text (Markdown)').fill('# Magnitudes\n\nThe **smaller** the magnitude, the brighter the star.\n\n<script>alert(1)</script>')
  await page.getByRole('button', { name: 'Update preview' }).click()
  const preview = page.getByLabel('Lesson preview')
  await preview.locator('strong', { hasText: 'smaller' }).waitFor()
  assert.equal(await preview.locator('script').count(), 0)
  await page.getByLabel(/^Published/).check()
  await page.getByRole('button', { name: 'Save lesson' }).click()
  await page.getByText('Lesson saved.').waitFor()
  await shot(page, 'quiz', 'lesson-editor')
  await page.getByRole('link', { name: 'Back to the course' }).click()
  await page.getByRole('heading', { name: `Edit: ${COURSE}` }).waitFor()
})

step('the mentor enrols the learner in the course', async () => {
  await page.getByLabel('Learner to enrol').selectOption({ label: `${learner.name} (${learner.email})` })
  await page.getByRole('button', { name: 'Enrol learner' }).click()
  await page.getByRole('list', { name: 'Enrolled learners' }).getByText(learner.email).waitFor()
  await shot(page, 'quiz', 'course-editor')
})

step('a faulty GIFT file is reported line by line; the mentor adds three questions to the bank', async () => {
  await page.getByRole('link', { name: 'Question bank' }).click()
  await page.getByRole('heading', { name: 'Question bank' }).waitFor()
  await page.getByText('No questions yet').waitFor()

  // A GIFT file with mistakes imports nothing and lists each mistake with its line.
  await page.getByLabel('GIFT text').fill('::q1:: Sirius is a star {T\n\n::q2:: Vega {=a ~b}\n\nJust text\n')
  await page.getByRole('button', { name: 'Import questions' }).click()
  const report = page.getByRole('list', { name: 'Errors in the GIFT file' })
  await report.getByText('Line 1: the answer block `{` is never closed').waitFor()
  await report.getByText(/^Line 5: no answer block/).waitFor()
  await page.getByText('No questions yet').waitFor()
  await page.getByLabel('GIFT text').fill('')

  await page.getByRole('button', { name: 'New question' }).click()
  await page.getByLabel('Question text (Markdown)').fill('Which star is the brightest in the night sky?')
  await page.getByLabel('Choice 1', { exact: true }).fill('Sirius')
  await page.getByLabel('Choice 2', { exact: true }).fill('Polaris')
  await page.getByLabel('Choice 3', { exact: true }).fill('Vega')
  await page.getByLabel('Explanation (shown after answering)').fill('Sirius shines at magnitude −1.46.')
  await page.getByRole('checkbox', { name: 'Star brightness' }).check()
  await page.getByRole('button', { name: 'Add question' }).click()
  await page.getByText('Question added.').first().waitFor()

  await page.getByRole('button', { name: 'New question' }).click()
  await page.getByLabel('Question type').selectOption('true_false')
  await page.getByLabel('Question text (Markdown)').fill('The Sun is a star.')
  await page.getByLabel('True', { exact: true }).check()
  await page.getByLabel('Explanation (shown after answering)').fill('The Sun is a G-type main-sequence star.')
  await page.getByRole('button', { name: 'Add question' }).click()
  await page.getByRole('table', { name: 'Questions' }).getByText('The Sun is a star.').waitFor()

  await page.getByRole('button', { name: 'New question' }).click()
  await page.getByLabel('Question type').selectOption('numeric')
  await page.getByLabel('Question text (Markdown)').fill('How many planets orbit the Sun?')
  await page.getByLabel('Right value').fill('8')
  await page.getByLabel('Explanation (shown after answering)').fill('Pluto was reclassified as a dwarf planet in 2006, leaving eight.')
  await page.getByRole('button', { name: 'Add question' }).click()
  const table = page.getByRole('table', { name: 'Questions' })
  await table.getByText('How many planets orbit the Sun?').waitFor()
  assert.equal(await table.locator('tbody tr').count(), 3)
  await shot(page, 'quiz', 'question-bank')
  authorUrls.push(page.url())
})

step('the mentor builds the quiz from the bank and assigns it to the course', async () => {
  await page.getByRole('link', { name: 'Build a quiz' }).click()
  await page.getByRole('heading', { name: 'New quiz' }).waitFor()
  authorUrls.push(page.url())
  // The course the mentor came from is already chosen.
  await page.getByLabel('Course').locator('option:checked', { hasText: COURSE }).waitFor({ state: 'attached' })
  await page.getByLabel('Quiz title').fill(QUIZ)
  for (const text of ['Which star is the brightest in the night sky?', 'The Sun is a star.', 'How many planets orbit the Sun?']) {
    await page.getByRole('checkbox', { name: new RegExp(text.replace(/[?.]/g, '\\$&')) }).check()
  }
  await page.getByText('In the quiz (3)').waitFor()
  await page.getByLabel('Time limit (minutes)').fill('15')
  await page.getByLabel('Attempts allowed').fill('2')
  await page.getByLabel('Show answers and explanations').selectOption('after_submit')
  await page.getByLabel(/Publish to the course’s learners/).check()
  await shot(page, 'quiz', 'quiz-builder')
  await page.getByRole('button', { name: 'Save quiz' }).click()
  await page.getByRole('heading', { level: 1, name: QUIZ }).waitFor()
  await page.getByText('Published: assigned to the course’s learners').waitFor()
  await page.getByText('3 questions · 15 min · 2 attempts').waitFor()
  await page.getByText('Nobody has taken this quiz yet.').waitFor()
  for (const url of [...authorUrls, page.url()]) await fitsPhone(url)
  await signOut()
})

step('the learner finds the assigned quiz and starts it', async () => {
  await signIn(learner)
  const nav = main()
  assert.equal(await nav.getByRole('link', { name: 'Course authoring' }).count(), 0)
  assert.equal(await nav.getByRole('link', { name: 'Quiz builder' }).count(), 0)
  await nav.getByRole('link', { name: 'Quizzes' }).click()
  const quizzes = page.getByRole('table', { name: 'Your quizzes' })
  await quizzes.getByText('Not started').waitFor()
  await quizzes.getByRole('link', { name: QUIZ }).click()
  await page.getByRole('heading', { level: 1, name: QUIZ }).waitFor()
  await page.getByRole('button', { name: 'Start the quiz' }).click()
  await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor()
  await page.getByRole('timer').waitFor()
})

step('the learner answers; each answer is saved as they go', async () => {
  await page.getByLabel('Sirius').check()
  await page.getByText('Saved', { exact: true }).waitFor()
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByRole('heading', { name: 'Question 2 of 3' }).waitFor()
  await page.getByLabel('True').check()
  await page.getByText('Saved', { exact: true }).waitFor()
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByRole('heading', { name: 'Question 3 of 3' }).waitFor()
  await page.getByLabel('Your answer').fill('9')
  await page.getByText('Saved', { exact: true }).waitFor()
  await page.getByRole('button', { name: 'Question 1, answered' }).waitFor()
  await page.getByText('3 of 3 answered').waitFor()
  await shot(page, 'quiz', 'taking')
  await fitsPhone()
  // A reload keeps every answer: they are on the server.
  await page.reload()
  await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor()
  assert.equal(await page.getByLabel('Sirius').isChecked(), true)
})

step('the learner submits after confirming and sees the score, what was right and the explanations', async () => {
  await page.getByRole('button', { name: 'Submit answers' }).click()
  const dialog = page.getByRole('dialog', { name: 'Submit your answers?' })
  await dialog.getByText('You answered 3 of 3 questions.').waitFor()
  await dialog.getByRole('button', { name: 'Submit', exact: true }).click()
  await page.getByRole('heading', { level: 1, name: `Result: ${QUIZ}` }).waitFor()
  await page.getByText('67 %', { exact: true }).first().waitFor()
  await page.getByText('Passed', { exact: true }).waitFor()
  await page.getByRole('heading', { name: 'Question 1: Correct' }).waitFor()
  await page.getByRole('heading', { name: 'Question 2: Correct' }).waitFor()
  await page.getByRole('heading', { name: 'Question 3: Incorrect' }).waitFor()
  await page.getByText('Pluto was reclassified as a dwarf planet in 2006, leaving eight.').waitFor()
  await page.getByText('Sirius shines at magnitude −1.46.').waitFor()
  const third = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Question 3: Incorrect' }) })
  assert.match(await third.innerText(), /Your answer\s+9\s+Right answer\s+8/)
  await shot(page, 'quiz', 'result')
})

step('the learner reads the lesson, and the quiz screens fit a 360 px phone', async () => {
  await main().getByRole('link', { name: 'Courses' }).click()
  await page.getByRole('link', { name: `Continue ${COURSE}` }).click()
  await page.getByRole('link', { name: 'Start: Magnitudes' }).click()
  await page.getByRole('heading', { level: 1, name: 'Magnitudes' }).first().waitFor()
  await page.locator('article strong', { hasText: 'smaller' }).waitFor()
  await page.getByRole('button', { name: 'Mark as completed' }).click()
  await page.getByText('✓ Lesson completed').waitFor()
  const lessonUrl = page.url()
  await page.getByRole('link', { name: COURSE }).click()
  await page.getByText('1 of 1 lessons completed').waitFor()
  const quizUrl = `${server.url}/quizzes`
  await page.goto(quizUrl)
  await page.getByRole('table', { name: 'Your quizzes' }).getByText('Best 67 % · passed').waitFor()
  await page.setViewportSize({ width: 360, height: 740 })
  for (const url of [quizUrl, lessonUrl, `${server.url}/courses`]) {
    await page.goto(url)
    await page.getByRole('heading', { level: 1 }).first().waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `${url} is ${overflow}px wider than the screen`)
  }
  await shot(page, 'quiz', 'phone-courses')
})
