// Two-stage shutdown signals: the first SIGINT/SIGTERM (or SIGUSR1) drains, the second forces.

export type ShutdownHandlers = { first: () => void; second: () => void };

/** Installs the handlers; returns a function that removes them. */
export function onShutdownSignals(h: ShutdownHandlers, signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGUSR1"]): () => void {
  let count = 0;
  const listener = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) h.first();
    else if (sig !== "SIGUSR1") h.second();
  };
  for (const s of signals) process.on(s, listener);
  return () => {
    for (const s of signals) process.off(s, listener);
  };
}
