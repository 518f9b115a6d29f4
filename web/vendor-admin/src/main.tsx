import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import '@trove/shared/index.css'
import './index.css'
import { App } from './App.tsx'

const root = document.getElementById('root')
if (!root) throw new Error('missing #root element in index.html')

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
