/** Tick skills of a course: those a lesson or question trains, or those a quiz draws its questions from. */

export interface SkillChoice {
  slug: string
  name: string
}

export function SkillPicker({
  skills,
  value,
  onChange,
  legend = 'Skills',
  hint,
}: {
  skills: readonly SkillChoice[]
  value: readonly string[]
  onChange: (slugs: string[]) => void
  legend?: string
  hint?: string
}) {
  if (!skills.length) return null
  const chosen = new Set(value)
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium">{legend}</legend>
      {hint && <p className="text-xs text-slate-600 dark:text-slate-400">{hint}</p>}
      <div className="flex flex-wrap gap-x-4 gap-y-1">
        {skills.map((skill) => (
          <label key={skill.slug} className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4"
              checked={chosen.has(skill.slug)}
              // Keep the course's order of skills, whatever the order of clicks.
              onChange={(e) =>
                onChange(skills.map((s) => s.slug).filter((slug) => (slug === skill.slug ? e.target.checked : chosen.has(slug))))
              }
            />
            {skill.name}
          </label>
        ))}
      </div>
    </fieldset>
  )
}
