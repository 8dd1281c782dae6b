/** Create an organisation; its creator becomes its admin and it becomes the active one. */
import { type FormEvent, useState } from 'react'
import { useNavigate } from 'react-router'
import { Button } from '@/components/Button'
import { Field, FormError, SelectField } from '@/components/Field'
import { Card, Page } from '@/components/Page'
import { useToast } from '@/components/Toast'
import { checkRequired, compact, formErrors, type FormErrors, NO_ERRORS } from '@/lib/forms'
import { useCreateOrganisation } from './api'
import { SLUG_PATTERN, slugify } from './slug'

function zones(): { value: string; label: string }[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return [...new Set(['UTC', ...all])].map((z) => ({ value: z, label: z }))
}

export default function CreateOrgPage() {
  const create = useCreateOrganisation()
  const navigate = useNavigate()
  const toast = useToast()
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS)
  const [name, setName] = useState('')
  const [slug, setSlug] = useState('')
  const [slugTouched, setSlugTouched] = useState(false)
  const [zoneOptions] = useState(zones)
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const timeZone = String(new FormData(event.currentTarget).get('time_zone') ?? 'UTC')
    const fields = compact({
      name: checkRequired(name, 'Enter the name of the organisation.'),
      slug: SLUG_PATTERN.test(slug)
        ? undefined
        : 'Use lower-case letters, digits and dashes (for example "riverside-school").',
    })
    setErrors({ fields, form: null })
    if (Object.keys(fields).length) return
    try {
      await create.mutateAsync({ name: name.trim(), slug, time_zone: timeZone })
      toast.success(`${name.trim()} is ready. Invite your people next.`)
      navigate('/', { replace: true })
    } catch (error) {
      setErrors(formErrors(error, ['name', 'slug', 'time_zone']))
    }
  }

  return (
    <Page title="Create an organisation" description="A school, a company or a study group. You will be its admin.">
      <Card>
        <form noValidate onSubmit={onSubmit} className="grid gap-4 sm:max-w-lg">
          <FormError message={errors.form} />
          <Field
            label="Name"
            name="name"
            value={name}
            maxLength={120}
            onChange={(event) => {
              setName(event.target.value)
              if (!slugTouched) setSlug(slugify(event.target.value))
            }}
            error={errors.fields.name}
          />
          <Field
            label="Short name for web addresses"
            name="slug"
            value={slug}
            maxLength={48}
            hint="Lower-case letters, digits and dashes."
            onChange={(event) => {
              setSlugTouched(true)
              setSlug(event.target.value.toLowerCase())
            }}
            error={errors.fields.slug}
          />
          <SelectField
            label="Time zone"
            name="time_zone"
            defaultValue={zoneOptions.some((z) => z.value === browserZone) ? browserZone : 'UTC'}
            options={zoneOptions}
            error={errors.fields.time_zone}
          />
          <div>
            <Button type="submit" pending={create.isPending}>
              Create organisation
            </Button>
          </div>
        </form>
      </Card>
    </Page>
  )
}
