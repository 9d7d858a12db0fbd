/**
 * A full garbage collection on demand, for the moments a run knows that much of its heap just
 * died: e.g. the export's text and bytes once its graphs are built (at 100,000 parameters ~280 MB
 * that V8 would otherwise keep until its first full collection, several seconds and several hundred
 * MB of estate later). `node --expose-gc` is not needed: the flag is set at run time and the function
 * taken from a fresh context, where V8 then defines it.
 */

import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** From this many resources in the graphs a run is lean (pipeline/index.ts): the 100x estate (17,220) is not, 1000x (~170,000) is. */
export const LEAN_RESOURCES = 50_000;

let gc: (() => void) | undefined;

/**
 * `compact`: move what lives onto as few pages as it needs and give the rest back to the system
 * (V8 otherwise keeps a heap's pages committed, however little of them lives: at 100,000
 * parameters ~500 MB of pages for ~80 MB once the estate is let go). It costs time in proportion to
 * what lives.
 */
export function collectGarbage(opts: { readonly compact?: boolean } = {}): void {
  if (!gc) {
    const own = (globalThis as { gc?: () => void }).gc;
    if (own) gc = own;
    else {
      v8.setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  if (opts.compact !== true) return gc();
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
