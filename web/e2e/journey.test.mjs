// The first journey through the real app: an admin creates an organisation and invites a learner,
// who joins and is kept out of the admin pages; signing out leaves nothing private behind.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { journeySteps, launchBrowser, shot, startServer } from './support.mjs'

const PASSWORD_ADMIN = 'orbit-lantern-4417'
const PASSWORD_LEARNER = 'meadow-comet-2290'
const stamp = Date.now().toString(36)
const admin = { name: 'Ada Admin', email: `ada-${stamp}@example.org` }
const learner = { name: 'Lee Learner', email: `lee-${stamp}@example.org` }
const ORG = 'Riverside School'

let server
let browser
let context
let page
let invitationLink
const apiFailures = []

const step = journeySteps('journey', () => page, apiFailures)

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
  // Failed API calls are printed with a failing step: they usually say why it failed.
  page.on('response', async (response) => {
    const url = new URL(response.url())
    if (url.pathname.startsWith('/api/') && response.status() >= 400) {
      apiFailures.push(`${response.request().method()} ${url.pathname} ${response.status()} ${await response.text().catch(() => '')}`)
    }
  })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(/\/login$/)
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
}

async function signIn(who, password) {
  await page.getByLabel('E-mail').fill(who.email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

step('a visitor is sent to sign in, and can open the sign-up form', async () => {
  await page.goto(server.url + '/')
  await page.waitForURL(/\/login$/)
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await shot(page, 'journey', 'sign-in')
  await page.getByRole('link', { name: 'Create an account' }).click()
  await page.waitForURL(/\/signup$/)
})

step('the sign-up form explains what is wrong next to each field', async () => {
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByText('Enter your name.').waitFor()
  await page.getByText('Enter your e-mail address.').waitFor()
  // The server's own password policy comes back as problem+json and lands under the field.
  await page.getByLabel('Your name').fill(admin.name)
  await page.getByLabel('E-mail').fill(admin.email)
  await page.getByLabel('Password').fill('aaaaaaaaaaaa')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByText(/too easy to guess/i).waitFor()
  assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true')
  await shot(page, 'journey', 'sign-up-errors')
})

step('an admin signs up and lands on a home that says what to do next', async () => {
  await page.getByLabel('Password').fill(PASSWORD_ADMIN)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Join an organisation to start learning' }).waitFor()
  await shot(page, 'journey', 'admin-home-without-organisation')
})

step('the admin creates an organisation and becomes its admin', async () => {
  await page.getByRole('link', { name: 'Create an organisation' }).first().click()
  await page.getByLabel('Name', { exact: true }).fill(ORG)
  assert.equal(await page.getByLabel('Short name for web addresses').inputValue(), 'riverside-school')
  await page.getByRole('button', { name: 'Create organisation' }).click()
  await page.getByRole('heading', { name: `Set up ${ORG}` }).waitFor()
  const nav = page.getByRole('navigation', { name: 'Main' }).first()
  await nav.getByRole('link', { name: 'Invitations' }).waitFor()
  await shot(page, 'journey', 'admin-home-with-organisation')
})

step('the admin creates an invitation link and copies it', async () => {
  await page.getByRole('navigation', { name: 'Main' }).first().getByRole('link', { name: 'Invitations' }).click()
  await page.getByRole('heading', { name: 'Invitations', exact: true }).waitFor()
  await page.getByRole('button', { name: 'Create invitation' }).click()
  const linkField = page.getByLabel('Invitation link')
  await linkField.waitFor()
  await page.getByRole('button', { name: 'Copy link' }).click()
  await page.getByText('Invitation link copied.').waitFor()
  invitationLink = await page.evaluate(() => navigator.clipboard.readText())
  assert.equal(invitationLink, await linkField.inputValue())
  assert.match(invitationLink, new RegExp(`^${server.url}/invite/.+`))
  await page.getByRole('table', { name: 'Pending invitations' }).waitFor()
  await shot(page, 'journey', 'invitation-created')
})

step('signing out returns to sign in', async () => {
  await signOut()
  await shot(page, 'journey', 'admin-signed-out')
})

step('the invited learner opens the link, signs up and joins the organisation', async () => {
  await page.goto(invitationLink)
  await page.getByText(`You are invited to join ${ORG} as a learner.`).waitFor()
  await shot(page, 'journey', 'invitation-page')
  await page.getByLabel('Your name').fill(learner.name)
  await page.getByLabel('E-mail').fill(learner.email)
  await page.getByLabel('Password').fill(PASSWORD_LEARNER)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByText(`You are learning in ${ORG}.`).waitFor()
  await page.getByRole('heading', { name: 'Your courses' }).waitFor()
  await shot(page, 'journey', 'learner-home')
})

step('the learner signs out and signs in again', async () => {
  await signOut()
  await signIn(learner, PASSWORD_LEARNER)
  await page.getByText(`You are learning in ${ORG}.`).waitFor()
})

step('the learner sees no admin navigation and is denied the admin pages', async () => {
  const nav = page.getByRole('navigation', { name: 'Main' }).first()
  await nav.getByRole('link', { name: 'Home' }).waitFor()
  assert.equal(await nav.getByRole('link', { name: 'Members' }).count(), 0)
  assert.equal(await nav.getByRole('link', { name: 'Invitations' }).count(), 0)
  for (const path of ['/admin/members', '/admin/invitations']) {
    await page.goto(server.url + path)
    await page.getByRole('heading', { name: "You don't have access to this page" }).waitFor()
  }
  await shot(page, 'journey', 'learner-denied-admin-page')
})

step('after sign-out nothing private is kept: pages need sign-in again, no API answer is cached', async () => {
  await page.goto(server.url + '/')
  await page.getByText(`You are learning in ${ORG}.`).waitFor()
  await signOut()
  await page.goto(server.url + '/settings')
  await page.waitForURL(/\/login\?next=%2Fsettings$/)
  const cachedApi = await page.evaluate(async () => {
    const found = []
    for (const name of await caches.keys()) {
      const cache = await caches.open(name)
      for (const request of await cache.keys()) if (new URL(request.url).pathname.startsWith('/api/')) found.push(request.url)
    }
    return found
  })
  assert.deepEqual(cachedApi, [])
  await shot(page, 'journey', 'learner-signed-out')
})

step('the admin sees the new learner among the members', async () => {
  // Signing in from /login?next=/settings returns to the page the visitor asked for.
  await signIn(admin, PASSWORD_ADMIN)
  await page.getByRole('heading', { name: 'Profile and settings' }).waitFor()
  await page.getByRole('navigation', { name: 'Main' }).first().getByRole('link', { name: 'Members' }).click()
  const table = page.getByRole('table', { name: 'Members' })
  await table.getByText(learner.email).waitFor()
  await page.getByLabel('Search by name or e-mail').fill('lee')
  await page.waitForFunction(() => !document.body.innerText.includes('ada-'))
  await table.getByText(learner.email).waitFor()
  await shot(page, 'journey', 'admin-members')
})

step('on a 360 px phone the app fits the screen, with a menu and a dark theme', async () => {
  await page.setViewportSize({ width: 360, height: 740 })
  for (const path of ['/', '/admin/members', '/admin/invitations', '/settings/security']) {
    await page.goto(server.url + path)
    await page.getByRole('heading', { level: 1 }).waitFor()
    const { overflow, culprits } = await page.evaluate(() => {
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.overflow-x-auto'))
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).split(' ').slice(0, 4).join('.')}`)
      return { overflow: document.documentElement.scrollWidth - window.innerWidth, culprits: wide }
    })
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the screen: ${culprits.join(', ')}`)
  }
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.locator('#mobile-nav').getByRole('link', { name: 'Members' }).waitFor()
  await page.getByRole('button', { name: 'Dark theme' }).click()
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true)
  await shot(page, 'journey', 'phone-dark-menu')
  await page.locator('#mobile-nav').getByRole('link', { name: 'Members' }).click()
  await page.getByRole('table', { name: 'Members' }).waitFor()
  await shot(page, 'journey', 'phone-dark-members')
})
