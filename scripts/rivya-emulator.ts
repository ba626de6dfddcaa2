/**
 * Starts the Rivya emulator for a person to point the action (or curl) at, without an account:
 *   npm run emulator:rivya -- --port 8787
 */
import { RivyaEmulator } from '../src/rivya/emulator/index.js'

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const port = Number(option('--port') ?? '0')
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid --port '${option('--port')}': expected 0-65535`)
  process.exit(2)
}
const rivya = await RivyaEmulator.start({ port })
console.log(`Rivya emulator listening on ${rivya.url}`)
console.log(`  api-base-url: ${rivya.url}`)
console.log(`  rivya-api-key: ${rivya.validKey}`)
console.log('Press Ctrl+C to stop.')
const stop = () => {
  void rivya.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
