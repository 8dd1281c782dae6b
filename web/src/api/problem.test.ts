import { describe, expect, it } from 'vitest'
import { formErrors } from '@/lib/forms'
import { ApiError, errorMessage, fieldName, unwrap } from './problem'

const validation = {
  type: 'https://starguide.dev/problems/validation-error',
  title: 'Invalid input',
  status: 422,
  detail: 'Invalid input: body.email: value is not a valid email address',
  instance: '/api/v1/auth/signup',
  request_id: 'req-1',
  errors: [
    { loc: 'body.email', message: 'value is not a valid email address', kind: 'value_error' },
    { loc: 'body.password', message: 'Use at least 10 characters.', kind: 'password_policy' },
  ],
}

describe('problem+json', () => {
  it('maps error locations to field names', () => {
    expect(fieldName('body.email')).toBe('email')
    expect(fieldName('query.limit')).toBe('limit')
    expect(fieldName('body.members.0.role')).toBe('members.0.role')
  })

  it('turns field errors into sentences by field', () => {
    const error = new ApiError(422, validation)
    expect(error.fieldErrors).toEqual({
      email: 'Value is not a valid email address.',
      password: 'Use at least 10 characters.',
    })
  })

  it('places field errors next to the fields a form shows, and the rest in the form message', () => {
    const error = new ApiError(422, validation)
    expect(formErrors(error, ['email', 'password'])).toEqual({
      fields: { email: 'Value is not a valid email address.', password: 'Use at least 10 characters.' },
      form: null,
    })
    const partial = formErrors(error, ['password'])
    expect(partial.fields).toEqual({ password: 'Use at least 10 characters.' })
    expect(partial.form).toBe(validation.detail)
  })

  it('shows the detail of other problems, and a sentence when there is no problem body', () => {
    const conflict = new ApiError(409, { ...validation, status: 409, errors: null, detail: 'This e-mail is taken.' })
    expect(errorMessage(conflict)).toBe('This e-mail is taken.')
    expect(errorMessage(new ApiError(502, null))).toMatch(/on our side/)
    expect(errorMessage(new TypeError('Failed to fetch'))).toMatch(/cannot be reached/)
    expect(errorMessage(new Error('{"raw": "json"}'))).not.toContain('{')
  })

  it('unwraps a successful answer and throws an ApiError for a problem', () => {
    expect(unwrap({ data: { ok: 1 }, response: new Response(null, { status: 200 }) })).toEqual({ ok: 1 })
    expect(() => unwrap({ error: validation, response: new Response(null, { status: 422 }) })).toThrow(ApiError)
    // A body that is not a problem (a proxy's HTML page, say) still gives a readable message.
    try {
      unwrap({ error: '<html>Bad gateway</html>', response: new Response(null, { status: 502 }) })
    } catch (error) {
      expect(errorMessage(error)).toBe('Something went wrong on our side. Try again in a moment.')
    }
  })
})
