/** A fake back end for unit tests: answers `fetch` from a list of routes and records every request. */
import { vi } from 'vitest'
import type { TokenPair } from '@/lib/auth/session'

export interface Seen {
  method: string
  path: string
  headers: Headers
  body: unknown
  credentials: RequestCredentials | undefined
}

type Handler = (seen: Seen, count: number) => Response | Promise<Response>

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

export function problem(status: number, detail: string, errors?: Array<{ loc: string; message: string }>): Response {
  return new Response(
    JSON.stringify({
      type: 'https://starguide.dev/problems/x',
      title: 'Problem',
      status,
      detail,
      ...(errors ? { errors: errors.map((e) => ({ ...e, kind: 'value_error' })) } : {}),
    }),
    { status, headers: { 'Content-Type': 'application/problem+json' } },
  )
}

export function noContent(): Response {
  return new Response(null, { status: 204 })
}

export function fakeApi(routes: Record<string, Handler>) {
  const seen: Seen[] = []
  const counts = new Map<string, number>()
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init)
    const url = new URL(request.url)
    const text = await request.text()
    const record: Seen = {
      method: request.method,
      path: url.pathname + url.search,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
      credentials: init?.credentials ?? request.credentials,
    }
    seen.push(record)
    const key = `${request.method} ${url.pathname}`
    const handler = routes[key]
    if (!handler) return problem(404, `no fake for ${key}`)
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    return handler(record, count)
  })
  vi.stubGlobal('fetch', fetchMock)
  return {
    seen,
    calls: (key: string) => seen.filter((s) => `${s.method} ${s.path.split('?')[0]}` === key),
  }
}

export function tokenPair(access = 'access-1', organisationId: string | null = null): TokenPair {
  return { access_token: access, token_type: 'bearer', expires_in: 900, refresh_token: null, organisation_id: organisationId }
}

export function meBody(role: 'learner' | 'mentor' | 'org_admin' | null = 'learner') {
  const org = { id: '00000000-0000-4000-8000-000000000001', name: 'Riverside School', slug: 'riverside-school' }
  return {
    id: '00000000-0000-4000-8000-0000000000aa',
    email: 'lee@example.org',
    display_name: 'Lee Learner',
    avatar_url: null,
    time_zone: 'UTC',
    locale: 'en',
    email_verified: true,
    is_platform_admin: false,
    active_organisation: role ? { ...org, role } : null,
    memberships: role ? [{ organisation_id: org.id, name: org.name, slug: org.slug, role }] : [],
  }
}
