// Waits until the server at BASE is ready for the browser tests: /readyz
// answers 200 and the store lists products (the sandbox connects the demo
// stores and imports their catalog at start).
//   node web/e2e/wait-ready.mjs BASE SERVER_PID TIMEOUT_SECONDS
// Exits 0 when ready, 1 when the server exited or the time ran out.
const [base, pidArg, timeoutArg = '30'] = process.argv.slice(2)
const pid = Number(pidArg)
const deadline = Date.now() + Number(timeoutArg) * 1000

function alive() {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function ready() {
  try {
    const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) })
    if (r.status !== 200) return false
    const p = await fetch(`${base}/api/v1/store/products`, { signal: AbortSignal.timeout(2000) })
    if (p.status !== 200) return false
    const body = await p.json()
    return Array.isArray(body.products) && body.products.length > 0
  } catch {
    return false
  }
}

while (Date.now() < deadline) {
  if (!alive()) {
    console.error('wait-ready: the server exited')
    process.exit(1)
  }
  if (await ready()) process.exit(0)
  await new Promise((r) => setTimeout(r, 200))
}
console.error(`wait-ready: ${base} not ready after ${timeoutArg} s`)
process.exit(1)
