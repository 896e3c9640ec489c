// A mission world's scripted API answering chat prompts as well as missions. A chat prompt holds
// older markers too (the history, the running missions' texts) before the message it answers,
// which ends it: so the LAST marker with a scenario picks the answer, not the first.
import { conversationOf, type RecordedRequest } from '../fakes/anthropic.js';
import type { MissionWorld } from './missionWorld.js';

/** Makes the world's fake API answer each request by the last scenario marker in its messages. */
export function answerByLastMarker(world: MissionWorld): void {
  world.anthropic.setHandler((body) => {
    const { text, toolResults } = conversationOf(body);
    const markers = [...text.matchAll(/\{\{([a-z0-9-]+)\}\}/g)].map((m) => m[1]!);
    const key = markers.reverse().find((m) => world.scenarios.has(m));
    if (!key) return { text: 'Nothing to do.' };
    return world.scenarios.get(key)!({ body, toolResults, missionKey: key });
  });
}

/** The API requests whose messages carry `{{marker}}`, in order. */
export function promptsWith(world: MissionWorld, marker: string): RecordedRequest[] {
  return world.anthropic.messageRequests().filter((r) => promptText(r).includes(`{{${marker}}}`));
}

/** A request's messages as one string: what a test looks for in a prompt. */
export function promptText(request: RecordedRequest): string {
  return conversationOf(request.body).text;
}
