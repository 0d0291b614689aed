/** Resolves after pending I/O and signal callbacks have had their turn (long loops call it now and then). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
