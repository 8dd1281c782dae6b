/** The typed API client (paths and types generated from the back end's OpenAPI schema). */
import createClient from 'openapi-fetch'
import { authFetch } from '@/lib/auth/session'
import type { paths } from './schema'

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'include',
  fetch: authFetch,
})

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never
type Ok<R> = R extends { 200: infer A } ? A : R extends { 201: infer A } ? A : never

/** The JSON body a GET on `P` answers with. */
export type GetResult<P extends keyof paths> = paths[P] extends { get: { responses: infer R } }
  ? JsonOf<Ok<R>>
  : never
/** The JSON body of a request with `M` on `P`. */
export type BodyOf<P extends keyof paths, M extends 'post' | 'patch' | 'put'> = paths[P] extends {
  [K in M]: { requestBody?: { content: { 'application/json': infer B } } }
}
  ? B
  : never
