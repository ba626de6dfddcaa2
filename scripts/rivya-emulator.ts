/**
 * Starts the Rivya emulator for a person to point the action (or curl) at, without an account:
 *   npm run emulator:rivya -- --port 8787 [--framing openai]
 * `--framing` picks how the stream endpoint frames answers (docs/emulators.md, "Stream framings").
 */
import { RivyaEmulator, SSE_FRAMINGS, type SseFraming } from '../emulators/rivya/index.js'

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const port = Number(option('--port') ?? '0')
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid --port '${option('--port')}': expected 0-65535`)
  process.exit(2)
}
const framing = option('--framing') ?? 'rivya'
if (!(SSE_FRAMINGS as readonly string[]).includes(framing)) {
  console.error(`Invalid --framing '${framing}': expected one of ${SSE_FRAMINGS.join(', ')}`)
  process.exit(2)
}
const rivya = await RivyaEmulator.start({ port })
rivya.sseFraming = framing as SseFraming
console.log(`Rivya emulator listening on ${rivya.url}`)
console.log(`  api-base-url: ${rivya.url}`)
console.log(`  rivya-api-key: ${rivya.validKey}`)
console.log('Press Ctrl+C to stop.')
const stop = () => {
  void rivya.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
