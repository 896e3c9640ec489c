// The server under the fake APIs: a free loopback port, the handler's answer, the error answer
// when the handler throws, JSON with its length, and close() not held up by an open connection.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpFake, jsonOrText, readBody, sendJson } from '../fakes/httpFake.js';

describe('HttpFake', () => {
  it('serves on 127.0.0.1, answers JSON, and turns a thrown handler into the error answer', async () => {
    const fake = await HttpFake.listen(
      async (req, res) => {
        const body = await readBody(req);
        if (body === 'boom') throw new Error('boom');
        sendJson(res, 201, { echo: body }, { 'x-extra': '1' });
      },
      (res, error) => sendJson(res, 500, { error: String(error) }),
    );
    try {
      expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
      const ok = await fetch(fake.url, { method: 'POST', body: 'hé' });
      expect(ok.status).toBe(201);
      expect(ok.headers.get('content-type')).toBe('application/json');
      expect(ok.headers.get('content-length')).toBe(String(Buffer.byteLength('{"echo":"hé"}')));
      expect(ok.headers.get('x-extra')).toBe('1');
      expect(await ok.json()).toEqual({ echo: 'hé' });
      const failed = await fetch(fake.url, { method: 'POST', body: 'boom' });
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ error: 'Error: boom' });
    } finally {
      await fake.close();
    }
  });

  it('closes at once while a request is held open', async () => {
    const fake = await HttpFake.listen(
      async () => {},
      () => {},
    ); // never answers
    const held = new Promise<string>((resolve) => {
      const req = request(fake.url, () => resolve('answered'));
      req.on('error', () => resolve('dropped'));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    await fake.close();
    expect(await held).toBe('dropped');
  });

  it('records a body as JSON, else as text, and an empty one as undefined', () => {
    expect(jsonOrText('{"a":1}')).toEqual({ a: 1 });
    expect(jsonOrText('a=1')).toBe('a=1');
    expect(jsonOrText('')).toBeUndefined();
  });
});
