// Binary searches over lists kept in text order (document chunks, List items, template actions and lines,
// spans), which the engine looks up by offset.

/** The first index in [0, count) at which `isPast` holds, or `count`; `isPast` must be false, then true, in index order. */
export function firstIndexWhere(count: number, isPast: (index: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (isPast(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The index of the last item that starts at or before `offset` (items in order of `start`), or -1. */
export function lastStartingAtOrBefore(items: readonly { start: number }[], offset: number): number {
  return firstIndexWhere(items.length, (index) => items[index].start > offset) - 1;
}
