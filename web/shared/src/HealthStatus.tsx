import { useEffect, useState } from 'react'
import { fetchHealth, type Health, type ProbeResult } from './health.ts'

/** Shows whether the API is up and whether its database is ready. */
export function HealthStatus() {
  const health = useHealth()
  return (
    <section className="card" aria-labelledby="health-heading">
      <h2 id="health-heading">System status</h2>
      <ul className="health" aria-live="polite" aria-busy={health === null}>
        <ProbeLine label="API" up="ok" down="unavailable" result={health?.api} />
        <ProbeLine label="Database" up="ready" down="not ready" result={health?.database} />
      </ul>
    </section>
  )
}

function ProbeLine(props: { label: string; up: string; down: string; result?: ProbeResult }) {
  const { label, up, down, result } = props
  if (result === undefined) {
    return <li data-state="pending">{`${label}: checking…`}</li>
  }
  if (result.state === 'up') {
    return <li data-state="up">{`${label}: ${up}`}</li>
  }
  return <li data-state="down">{`${label}: ${down} — ${result.reason}`}</li>
}

function useHealth(): Health | null {
  const [health, setHealth] = useState<Health | null>(null)
  useEffect(() => {
    const controller = new AbortController()
    fetchHealth(undefined, controller.signal).then((h) => {
      if (!controller.signal.aborted) setHealth(h)
    })
    return () => controller.abort()
  }, [])
  return health
}
