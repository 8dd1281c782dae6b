/** Tick the course skills a lesson or question trains (what mastery and reviews are computed on). */
import type { Skill } from './api'

export function SkillPicker({ skills, value, onChange }: { skills: readonly Skill[]; value: readonly string[]; onChange: (slugs: string[]) => void }) {
  if (!skills.length) return null
  const chosen = new Set(value)
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium">Skills</legend>
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
