/**
 * The channel an action came in by — a page form, the API, the command line or a scheduled
 * job — carried through the async calls of a request (AsyncLocalStorage), so that the audit log
 * records it without every caller passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Channel = 'form' | 'api' | 'cli' | 'job' | 'unknown';

const storage = new AsyncLocalStorage<{ channel: Channel }>();

/** Runs fn with the channel set for everything it calls. */
export function runInChannel<T>(channel: Channel, fn: () => T): T {
  return storage.run({ channel }, fn);
}

/** Sets the channel of the running request (once it is known, e.g. after authentication). */
export function setChannel(channel: Channel): void {
  const store = storage.getStore();
  if (store) store.channel = channel;
}

/** The channel of the running call, or 'unknown' outside any. */
export function currentChannel(): Channel {
  return storage.getStore()?.channel ?? 'unknown';
}
