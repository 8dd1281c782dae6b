/** RFC 9457 problem+json answers turned into messages a person can read. */
import type { components } from './schema'

export type Problem = components['schemas']['Problem']
export type FieldErrors = Record<string, string>

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem | null
  /** Messages by field name (`body.email` becomes `email`). */
  readonly fieldErrors: FieldErrors

  constructor(status: number, problem: Problem | null) {
    super(problem?.detail || problem?.title || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.fieldErrors = {}
    for (const error of problem?.errors ?? []) {
      const field = fieldName(error.loc)
      if (field && !this.fieldErrors[field]) this.fieldErrors[field] = sentence(error.message)
    }
  }
}

/** `body.email` → `email`; `body.members.0.role` → `members.0.role`; `query.q` → `q`. */
export function fieldName(loc: string): string {
  const parts = loc.split('.')
  if (parts[0] === 'body' || parts[0] === 'query' || parts[0] === 'path') parts.shift()
  return parts.join('.')
}

function sentence(text: string): string {
  const trimmed = text.trim()
  if (!trimmed) return 'This value is not valid.'
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

export function defaultMessage(status: number): string {
  if (status === 0) return 'The server cannot be reached. Check your connection and try again.'
  if (status === 401) return 'Your session has ended. Sign in again.'
  if (status === 403) return 'You do not have permission to do this.'
  if (status === 404) return 'This was not found. It may have been removed.'
  if (status === 409) return 'This conflicts with something that already exists.'
  if (status === 413) return 'This is too large to send.'
  if (status === 429) return 'Too many attempts. Wait a moment and try again.'
  if (status >= 500) return 'Something went wrong on our side. Try again in a moment.'
  return 'The request could not be completed.'
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value
}

/** Unwrap an openapi-fetch result: the data, or an ApiError with readable messages. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T
  throw new ApiError(result.response.status, isProblem(result.error) ? result.error : null)
}

/** A message for anything thrown while talking to the API (never raw JSON). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.values(error.fieldErrors)
    if (error.status === 422 && fields.length && !error.problem?.detail) return fields[0]!
    return error.message
  }
  if (error instanceof TypeError) return defaultMessage(0)
  return 'Something unexpected happened. Try again.'
}
