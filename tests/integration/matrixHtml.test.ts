// The Matrix provider's answers as a Matrix client shows them, against the fake homeserver:
// Markdown also as HTML (org.matrix.custom.html) with every HTML special character escaped, plain
// text without HTML, the text alone when the HTML would not fit one event, and replies naming the
// message they answer (m.in_reply_to). docs/chat.md#slack-and-matrix-replies-that-look-native
import { describe, expect, it } from 'vitest';
import { escapeHtml, markdownToMatrixHtml } from '../../src/adapters/messaging/matrixHtml.js';
import { ANA, matrixRig } from '../harness/matrixRig.js';
import { collector } from '../harness/providerRig.js';
import { until } from '../harness/until.js';

const { rig, provider } = matrixRig();

describe('matrix: HTML and replies', () => {
  it('Markdown goes as HTML with every special character escaped; plain text has no HTML', async () => {
    const p = provider();
    await p.start(async () => {});
    const markdown = [
      '# Mission <mx7> & "done"',
      '**fixed** the \'parser\' in *2 min*, see [PR #1](https://x.y/p?a=1&b="2"_c_) and [no](javascript:alert(1))',
      '- `a <b> && c`',
      '- snake_case_name ~~old~~',
      '> quoted <i>',
      '```ts',
      'if (a < b && c > "d") {}',
      '```',
      'tail & end',
    ].join('\n');
    await p.send({ text: markdown, format: 'markdown' });
    await p.send({ text: 'plain <b> & "q"' });
    const [html, plain] = rig.fake.sent.map((s) => s.content);
    expect(html).toEqual({
      msgtype: 'm.text',
      body: markdown,
      format: 'org.matrix.custom.html',
      formatted_body:
        '<h1>Mission &lt;mx7&gt; &amp; &quot;done&quot;</h1>' +
        '<strong>fixed</strong> the &#39;parser&#39; in <em>2 min</em>, see ' +
        '<a href="https://x.y/p?a=1&amp;b=&quot;2&quot;_c_">PR #1</a> and [no](javascript:alert(1))' +
        '<ul><li><code>a &lt;b&gt; &amp;&amp; c</code></li><li>snake_case_name <del>old</del></li></ul>' +
        '<blockquote>quoted &lt;i&gt;</blockquote>' +
        '<pre><code class="language-ts">if (a &lt; b &amp;&amp; c &gt; &quot;d&quot;) {}</code></pre>' +
        'tail &amp; end',
    });
    expect(plain).toEqual({ msgtype: 'm.text', body: 'plain <b> & "q"' });
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(markdownToMatrixHtml('one\ntwo\n\nthree')).toBe('one<br />two<br /><br />three');
  });

  it('a reply names the message it answers (m.in_reply_to)', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    const question = rig.fake.postText(ANA, '/status');
    await until(() => received.length === 1, 'the question');
    await p.send({ text: '**all up**', format: 'markdown', replyTo: received[0]!.messageId });
    await p.send({ text: 'not an event id', replyTo: 'telegram-ish-42' });
    expect(rig.fake.sent.map((s) => s.content['m.relates_to'])).toEqual([
      { 'm.in_reply_to': { event_id: question.event_id } },
      undefined,
    ]);
    expect(rig.fake.sent[0]!.content).toMatchObject({ body: '**all up**', formatted_body: '<strong>all up</strong>' });
  });

  it('Markdown whose HTML would not fit one event goes as text alone', async () => {
    const p = provider();
    await p.start(async () => {});
    await p.send({ text: '"'.repeat(p.maxLength), format: 'markdown' });
    expect(rig.fake.sent[0]!.content).toEqual({ msgtype: 'm.text', body: '"'.repeat(p.maxLength) });
  });
});
