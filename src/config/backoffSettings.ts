// A configured backoff section ({ initial, max } in ms, and whatever else it holds, such as
// supervision.backoff's multiplier and jitter) in the names every settings object uses.
export function backoffSettings<Section extends { initial: number; max: number }>({
  initial,
  max,
  ...rest
}: Section): { initialMs: number; maxMs: number } & Omit<Section, 'initial' | 'max'> {
  return { initialMs: initial, maxMs: max, ...rest };
}
