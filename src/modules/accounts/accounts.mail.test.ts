import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createMailSender, listOutbox } from '../../core/mail.ts';
import { newTenant, startTestApp, TestClient, type TestContext } from '../../testing/harness.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

let ctx: TestContext;
let server: SMTPServer;
let port: number;
const received: Received[] = [];

before(async () => {
  ctx = await startTestApp();
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.close();
});

describe('mail delivery', () => {
  it('delivers a sign-up confirmation from the outbox through an SMTP server and marks it sent', async () => {
    const tenant = await newTenant(ctx.db);
    const client = new TestClient(ctx.app, tenant.host);
    const signup = await client.submit('/signup', { agree: 'yes',
      email: 'smtp-test@example.jp',
      displayName: 'SMTP Test',
      password: 'smtp-test-password',
      passwordConfirm: 'smtp-test-password',
    });
    assert.equal(signup.statusCode, 303);
    const [queued] = await listOutbox(ctx.db, tenant.id);
    assert.ok(queued);
    assert.equal(queued.sent_at, null, 'without SMTP the message waits in the outbox');

    const sender = createMailSender(ctx.db, { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Hibiki <no-reply@hibiki.example.jp>' });
    try {
      const sent = await sender.flush();
      assert.ok(sent >= 1);
    } finally {
      await sender.close();
    }

    const message = received.find((m) => m.to.includes('smtp-test@example.jp'));
    assert.ok(message, 'the SMTP server received the message');
    assert.equal(message.from, 'no-reply@hibiki.example.jp');
    const unfolded = message.raw.replace(/=\r?\n/g, '');
    assert.match(unfolded, /verify-email\?token=3D|verify-email\?token=/);
    assert.match(message.raw, /^Subject: /m);

    const [after] = await listOutbox(ctx.db, tenant.id);
    assert.ok(after?.sent_at instanceof Date, 'sent_at is set');
    assert.equal(after.attempts, 1);
    assert.equal(after.last_error, null);
  });
});
