/**
 * Mail retries: a message the SMTP server refuses stays in the outbox with its error, backs
 * off before the next try, is delivered once the server takes it, and is given up after the
 * last attempt — never lost, never sent twice.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createMailSender, enqueueMail, type MailSender } from './mail.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../testing/harness.ts';

let ctx: TestContext;
let tenant: TestTenant;
let server: SMTPServer;
let sender: MailSender;
let refuse = true;
const delivered: string[] = [];

interface Row {
  attempts: number;
  sent_at: Date | null;
  last_error: string | null;
  waits: boolean;
}

const row = (id: string) =>
  ctx.db.one<Row>(
    'select attempts, sent_at, last_error, claimed_until > now() as waits from mail_outbox where tenant_id = $1 and id = $2',
    [tenant.id, id],
  );
/** Lets the back-off pass, as time would. */
const elapse = (id: string) =>
  ctx.db.query(`update mail_outbox set claimed_until = now() - interval '1 second' where tenant_id = $1 and id = $2`, [tenant.id, id]);

before(async () => {
  ctx = await startTestApp();
  tenant = await newTenant(ctx.db);
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse) {
        const err = Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        delivered.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sender = createMailSender(ctx.db, { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'noreply@hibiki.test' });
});

after(async () => {
  await sender.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.close();
});

describe('mail retries', () => {
  it('keeps a refused message with its error, backs off, and delivers it once the server takes it', async () => {
    const id = await enqueueMail(ctx.db, { tenantId: tenant.id, to: 'retry@example.jp', subject: '再送の確認', text: '本文' });

    assert.equal(await sender.flush(), 0);
    let r = await row(id);
    assert.equal(r.attempts, 1);
    assert.equal(r.sent_at, null);
    assert.match(r.last_error ?? '', /busy/);
    assert.equal(r.waits, true, 'backs off before the next try');

    assert.equal(await sender.flush(), 0, 'not retried while backing off');
    assert.equal((await row(id)).attempts, 1);

    refuse = false;
    await elapse(id);
    assert.equal(await sender.flush(), 1);
    r = await row(id);
    assert.equal(r.attempts, 2);
    assert.ok(r.sent_at, 'sent');
    assert.equal(r.last_error, null);
    assert.deepEqual(delivered, ['retry@example.jp']);

    await elapse(id);
    assert.equal(await sender.flush(), 0, 'a sent message is never sent again');
    assert.deepEqual(delivered, ['retry@example.jp']);
  });

  it('gives up after the last attempt and keeps the message in the outbox', async () => {
    refuse = true;
    const id = await enqueueMail(ctx.db, { tenantId: tenant.id, to: 'never@example.jp', subject: '届かない', text: '本文' });
    for (let i = 0; i < 12; i++) {
      await sender.flush();
      await elapse(id);
    }
    const r = await row(id);
    assert.equal(r.attempts, 8, 'eight attempts, then no more');
    assert.equal(r.sent_at, null);
    assert.ok(r.last_error);
    refuse = false;
  });
});
