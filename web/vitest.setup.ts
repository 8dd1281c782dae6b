import '@testing-library/jest-dom/vitest'
import { cleanup, configure } from '@testing-library/react'
import { afterEach } from 'vitest'

// findBy*/waitFor give a busy machine 5 s instead of 1 s before calling a screen wrong.
configure({ asyncUtilTimeout: 5000 })

afterEach(() => cleanup())
