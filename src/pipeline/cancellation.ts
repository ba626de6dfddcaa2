/**
 * The runner cancels a step (cancel button, `timeout-minutes`, `cancel-in-progress`) with SIGINT,
 * then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that (actions/runner, ProcessInvoker.cs:
 * `_sigintTimeout` 7500 ms, `_sigtermTimeout` 2500 ms). The first signal aborts the Rivya turn in
 * flight so the partial review can be posted; later ones are only logged, so the posting goes on;
 * a timer ends the process (step failed) before SIGKILL could, in case posting hangs.
 */
const SIGKILL_AFTER_FIRST_MS = 10_000
const SIGKILL_AFTER_SIGTERM_MS = 2_500
const HARD_STOP_MARGIN_MS = 700

interface Cancellation {
  signal: AbortSignal
  /** Stops listening for the signals (the run is over). */
  stop: () => void
}

export function watchCancellation(log: (line: string) => void): Cancellation {
  const controller = new AbortController()
  const stopAt = (ms: number) => {
    setTimeout(() => {
      log('Ending the step before the runner kills it; whatever was posted stays.')
      process.exit(1)
    }, ms - HARD_STOP_MARGIN_MS).unref()
  }
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      log(`${name}: the run is being cancelled; stopping the turn in flight and posting what was reviewed.`)
      process.exitCode = 1
      controller.abort(new Error(name))
      // A SIGTERM first (another supervisor than the runner) may be followed by SIGKILL just as soon.
      stopAt(name === 'SIGTERM' ? SIGKILL_AFTER_SIGTERM_MS : SIGKILL_AFTER_FIRST_MS)
      return
    }
    log(`${name}: still posting what was reviewed.`)
    if (name === 'SIGTERM') stopAt(SIGKILL_AFTER_SIGTERM_MS)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    stop: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
