/**
 * The Rivya client's own cost per turn, against the emulator at zero latency: median and p90 ms per
 * turn, and bytes the client allocates per turn, for JSON and SSE turns. Prints numbers, asserts
 * nothing.
 *
 *   npx tsc -p tsconfig.build.json && node --expose-gc build/scripts/bench-rivya-client.js [turns]
 *
 * The emulator runs in a worker thread: its own heap, so the allocation figures are the client's.
 */
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'
import { Worker, isMainThread, parentPort } from 'node:worker_threads'
import { RivyaClient } from '../src/rivya/client.js'
import { RivyaEmulator } from '../emulators/rivya/index.js'

interface Ready {
  url: string
  key: string
}

async function emulatorThread(): Promise<void> {
  const rivya = await RivyaEmulator.start({ port: 0 })
  // Enough for any number of benchmark turns.
  rivya.setCredits('acct_test', 1e12)
  parentPort?.postMessage({ url: rivya.url, key: rivya.validKey } satisfies Ready)
  parentPort?.once('message', () => {
    void rivya.close().then(() => process.exit(0))
  })
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

/**
 * Bytes allocated while `run` ran: what every GC in between freed, plus the growth left at the end
 * (v8.GCProfiler, Node 18.15+/20). Undefined where the profiler is missing.
 */
async function allocated(run: () => Promise<void>): Promise<{ allocated?: number; retained?: number }> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const Profiler = (v8 as { GCProfiler?: new () => { start(): void; stop(): GcReport | undefined } })
    .GCProfiler
  const profiler = Profiler === undefined ? undefined : new Profiler()
  const before = process.memoryUsage().heapUsed
  profiler?.start()
  await run()
  const end = process.memoryUsage().heapUsed
  const report = profiler?.stop()
  gc?.()
  const after = process.memoryUsage().heapUsed
  const freed = (report?.statistics ?? []).reduce(
    (sum, s) => sum + (s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize),
    0
  )
  return {
    ...(report === undefined ? {} : { allocated: freed + (end - before) }),
    ...(gc === undefined ? {} : { retained: after - before })
  }
}

interface GcReport {
  statistics: {
    beforeGC: { heapStatistics: { usedHeapSize: number } }
    afterGC: { heapStatistics: { usedHeapSize: number } }
  }[]
}

async function bench(client: RivyaClient, stream: boolean, turns: number, tag: string) {
  let n = 0
  const turn = async () => {
    n++
    const done = await client.chat(
      { model: 'gpt-5.4-codex-chat', message: `benchmark turn ${n}: please review this tiny diff` },
      { idempotencyKey: `bench-${tag}-${n}`, clientRequestId: `bench-${tag}-${n}`, stream, onDelta: () => {} }
    )
    if (done.content === '') throw new Error('empty answer')
  }
  for (let i = 0; i < Math.min(50, turns); i++) await turn()

  const times: number[] = []
  for (let i = 0; i < turns; i++) {
    const start = performance.now()
    await turn()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  const memory = await allocated(async () => {
    for (let i = 0; i < turns; i++) await turn()
  })
  return {
    mode: stream ? 'SSE' : 'JSON',
    turns,
    medianMs: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    allocatedPerTurn: memory.allocated === undefined ? undefined : memory.allocated / turns,
    retainedPerTurn: memory.retained === undefined ? undefined : memory.retained / turns
  }
}

function perTurn(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB/turn`
}

async function main(): Promise<void> {
  const turns = Number(process.argv[2] ?? process.env.BENCH_TURNS ?? 300)
  const worker = new Worker(new URL(import.meta.url))
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  const client = new RivyaClient({ baseUrl: ready.url, apiKey: ready.key })
  try {
    console.log(
      `Rivya client overhead, ${turns} turns per mode, emulator at zero latency (${process.version})`
    )
    if ((globalThis as { gc?: unknown }).gc === undefined) {
      console.log('(run node with --expose-gc to also see memory retained per turn)')
    }
    // The emulator writes SSE in 1-7 byte pieces so events straddle reads: a worst case where most
    // of the streaming cost is per network read (undici and the stream), not per event.
    console.log('SSE is measured with the emulator writing 1-7 byte pieces (a worst case for reads)')
    for (const stream of [false, true]) {
      const r = await bench(client, stream, turns, stream ? 'sse' : 'json')
      console.log(
        `${r.mode.padEnd(4)}  median ${r.medianMs.toFixed(3)} ms/turn  p90 ${r.p90Ms.toFixed(3)} ms/turn  ` +
          `allocated ${perTurn(r.allocatedPerTurn)}  retained ${perTurn(r.retainedPerTurn)}`
      )
    }
  } finally {
    await client.close()
    worker.postMessage('close')
    await new Promise(resolve => worker.once('exit', resolve))
  }
}

if (isMainThread) await main()
else await emulatorThread()
