// The chat actor's stand-in for bridge tests: a responder on <prefix>.chat.req (queue group
// `chat`) that counts how often each question is asked, so a test can tell a turn asked twice,
// and answers each as the test scripted it or, by default, `answer to <question>` after a random
// pause (kills then land while turns are in flight).
import type { Bus } from '../../src/bus/index.js';
import { sleep } from './tree.js';

export interface ChatStandIn {
  /** How many times each question was asked. */
  asked: Map<string, number>;
  /** Answers `question` with what `answer` gives (it may wait as long as the test wants). */
  script(question: string, answer: () => string | Promise<string>): void;
}

export function serveChatStandIn(bus: Bus, rand: () => number): ChatStandIn {
  const asked = new Map<string, number>();
  const scripts = new Map<string, () => string | Promise<string>>();
  bus.serve(
    bus.subjects.chatRequest,
    async (payload) => {
      const question = String(payload.text);
      asked.set(question, (asked.get(question) ?? 0) + 1);
      const script = scripts.get(question);
      let text: string;
      if (script) text = await script();
      else {
        await sleep(20 + rand() * 400);
        text = `answer to ${question}`;
      }
      return { text, answered: true, attempts: 1, requestId: question, durationMs: 0 };
    },
    { queue: 'chat' },
  );
  return { asked, script: (question, answer) => void scripts.set(question, answer) };
}
