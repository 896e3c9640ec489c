// The `actors` block of a test tree's config that enables only some actors (the watchdog always
// runs), so a test starts no more processes than it exercises.

type OptionalActor = 'missions' | 'bridge' | 'chat' | 'runner' | 'prPoller' | 'web';
const OPTIONAL_ACTORS: OptionalActor[] = ['missions', 'bridge', 'chat', 'runner', 'prPoller', 'web'];

/** `{ missions: { enabled }, bridge: …, chat: …, runner: …, prPoller: …, web: … }` with only `enabled` on. */
export function onlyActors(...enabled: OptionalActor[]): Record<OptionalActor, { enabled: boolean }> {
  return Object.fromEntries(OPTIONAL_ACTORS.map((name) => [name, { enabled: enabled.includes(name) }])) as Record<
    OptionalActor,
    { enabled: boolean }
  >;
}
