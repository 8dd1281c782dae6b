/** Form helpers: client-side checks and API errors split into field messages and a form message. */
import { ApiError, errorMessage, type FieldErrors } from '@/api/problem'

export interface FormErrors {
  fields: FieldErrors
  form: string | null
}

export const NO_ERRORS: FormErrors = { fields: {}, form: null }

/** Field errors for the fields this form shows; everything else becomes the form's message. */
export function formErrors(error: unknown, fields: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, form: errorMessage(error) }
  const shown: FieldErrors = {}
  for (const [name, message] of Object.entries(error.fieldErrors)) {
    if (fields.includes(name)) shown[name] = message
  }
  const unplaced = Object.keys(error.fieldErrors).some((name) => !fields.includes(name))
  const form = Object.keys(shown).length && !unplaced ? null : errorMessage(error)
  return { fields: shown, form }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
export const MIN_PASSWORD = 10

export function checkEmail(value: string): string | undefined {
  if (!value.trim()) return 'Enter your e-mail address.'
  if (!EMAIL.test(value.trim())) return 'Enter an e-mail address like name@example.org.'
  return undefined
}

export function checkNewPassword(value: string): string | undefined {
  if (value.length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`
  return undefined
}

export function checkRequired(value: string, message: string): string | undefined {
  return value.trim() ? undefined : message
}

/** Keep only the messages that are set; empty means the form may be sent. */
export function compact(errors: Record<string, string | undefined>): FieldErrors {
  return Object.fromEntries(Object.entries(errors).filter((entry): entry is [string, string] => Boolean(entry[1])))
}
