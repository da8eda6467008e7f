/**
 * SIGINT (Ctrl-C) and SIGTERM for long-running commands: the first one asks the command to stop
 * cleanly, a second one ends the process at once (exit status 130 or 143).
 */

/** Until the returned function is called, the first SIGINT or SIGTERM calls `onFirst`; a second one exits. */
export function onStopSignals(onFirst: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
    stopping = true;
    onFirst(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
