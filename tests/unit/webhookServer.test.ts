// The webhook endpoint's HTTP edges (only POST on the configured path reaches the intake) and the
// webhook machine's counts of what it answered.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { webhookMachine } from '../../machines/webhook.js';
import { silentLogger } from '../../src/log.js';
import { parseListen, startWebhookServer } from '../../src/webhook/server.js';

describe('webhook endpoint', () => {
  it('parses host:port, IPv6 in brackets too', () => {
    expect(parseListen('127.0.0.1:8787')).toEqual({ host: '127.0.0.1', port: 8787 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
  });

  it('answers 404 off its path, 405 to anything but POST, 401 to an unsigned POST, and reports each answer', async () => {
    const answered: string[] = [];
    let recorded = 0;
    const server = await startWebhookServer(
      { listen: '127.0.0.1:0', path: '/github/webhook' },
      {
        secret: 's3cret',
        record: async () => {
          recorded++;
          return { duplicate: false };
        },
        onAnswer: (answer) => answered.push(answer.outcome),
        logger: silentLogger(),
      },
      silentLogger(),
    );
    try {
      const base = `http://${server.address}`;
      expect((await fetch(`${base}/elsewhere`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${base}/github/webhook`)).status).toBe(405);
      const unsigned = await fetch(`${base}/github/webhook?x=1`, {
        method: 'POST',
        headers: { 'x-github-event': 'check_run', 'x-github-delivery': 'u-1' },
        body: '{"repository":{"full_name":"a/b"}}',
      });
      expect(unsigned.status).toBe(401);
      expect(answered).toEqual(['refused']);
      expect(recorded).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('the machine counts the answers until drained', () => {
    const actor = createActor(webhookMachine).start();
    actor.send({ type: 'ANSWERED', outcome: 'recorded', at: 5 });
    actor.send({ type: 'ANSWERED', outcome: 'duplicate', at: 6 });
    actor.send({ type: 'ANSWERED', outcome: 'refused', at: 7 });
    expect(actor.getSnapshot().context).toMatchObject({
      answered: { recorded: 1, duplicate: 1, refused: 1, ignored: 0, failed: 0 },
      lastDeliveryAt: 6,
    });
    actor.send({ type: 'DRAIN' });
    expect(actor.getSnapshot().status).toBe('done');
  });
});
