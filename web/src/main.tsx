import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App'
import { registerServiceWorker } from './lib/pwa'
import { applyTheme, storedTheme, watchSystemTheme } from './lib/theme'
import './index.css'

applyTheme(storedTheme())
watchSystemTheme()
registerServiceWorker()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
