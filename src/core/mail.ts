/**
 * Mail: every message is first written to the outbox table in the caller's transaction, so
 * nothing is lost when SMTP is down or not configured. When SMTP_URL is set, the scheduler's
 * "mail.send" job delivers pending messages (claimed with SKIP LOCKED, so several app servers
 * can share the outbox; each message backs off on its own after a failure). Without SMTP the
 * outbox is the mailbox, shown to administrators.
 */
import type { Transporter } from 'nodemailer';
import type { Db, Sql } from './db/database.ts';
import type { JobDefinition } from './scheduler.ts';

export interface OutgoingMail {
  tenantId: string;
  to: string;
  subject: string;
  text: string;
}

/** Queues a message in the outbox (inside the caller's transaction). */
export async function enqueueMail(sql: Sql, mail: OutgoingMail): Promise<string> {
  const row = await sql.one<{ id: string }>(
    'insert into mail_outbox (tenant_id, to_address, subject, body_text) values ($1, $2, $3, $4) returning id',
    [mail.tenantId, mail.to, mail.subject, mail.text],
  );
  return row.id;
}

export interface OutboxEntry {
  id: string;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Date;
  sent_at: Date | null;
  attempts: number;
  last_error: string | null;
}

/** The tenant's newest outbox messages. */
export function listOutbox(sql: Sql, tenantId: string, limit = 100): Promise<OutboxEntry[]> {
  return sql.query<OutboxEntry>(
    `select id, to_address, subject, body_text, created_at, sent_at, attempts, last_error
       from mail_outbox where tenant_id = $1 order by created_at desc limit $2`,
    [tenantId, limit],
  );
}

const MAX_ATTEMPTS = 8;

export interface MailSender {
  /** Sends what is pending now; resolves to the number delivered. */
  flush(): Promise<number>;
  close(): Promise<void>;
}

/** A sender for SMTP_URL, or one that does nothing when mail stays in the outbox. */
export function createMailSender(
  db: Db,
  options: { smtpUrl: string | undefined; from: string; log?: (msg: string, err?: unknown) => void },
): MailSender {
  if (!options.smtpUrl) {
    return { flush: async () => 0, close: async () => undefined };
  }
  const smtpUrl = options.smtpUrl;
  // nodemailer is loaded with the first batch, not at start-up (~50 ms the server need not wait for).
  let transport: Promise<Transporter> | undefined;
  const transportOf = () => (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl)));
  let running: Promise<number> | null = null;

  async function sendPending(): Promise<number> {
    let sent = 0;
    for (;;) {
      // Claim a batch in one statement (SKIP LOCKED: servers never claim the same message),
      // then talk SMTP outside any transaction so the database is not held while we wait.
      const batch = await db.query<OutboxEntry & { tenant_id: string }>(
        `update mail_outbox m set claimed_until = now() + interval '2 minutes', attempts = m.attempts + 1
           from (select tenant_id, id from mail_outbox
                  where sent_at is null and attempts < $1 and (claimed_until is null or claimed_until < now())
                  order by created_at limit 20 for update skip locked) c
          where m.tenant_id = c.tenant_id and m.id = c.id
          returning m.tenant_id, m.id, m.to_address, m.subject, m.body_text, m.attempts`,
        [MAX_ATTEMPTS],
      );
      for (const row of batch) {
        try {
          await (await transportOf()).sendMail({ from: options.from, to: row.to_address, subject: row.subject, text: row.body_text });
          await db.query('update mail_outbox set sent_at = now(), last_error = null where tenant_id = $1 and id = $2', [
            row.tenant_id,
            row.id,
          ]);
          sent++;
        } catch (err) {
          options.log?.('mail delivery failed', err);
          // Back off: 1, 2, 4 … minutes before the next try.
          await db.query(
            `update mail_outbox set last_error = $3, claimed_until = now() + make_interval(mins => $4)
              where tenant_id = $1 and id = $2`,
            [row.tenant_id, row.id, String((err as Error).message ?? err).slice(0, 500), 2 ** (row.attempts - 1)],
          );
        }
      }
      if (batch.length < 20) return sent;
    }
  }

  function flush(): Promise<number> {
    running ??= sendPending().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    flush,
    async close() {
      await running?.catch(() => undefined);
      (await transport?.catch(() => undefined))?.close();
    },
  };
}

export const MAIL_JOB = 'mail.send';

/**
 * The scheduler's job that delivers the outbox every half minute (and at once when poked).
 * Without SMTP it has nothing to do: the outbox is the mailbox.
 */
export function mailJob(db: Db, options: { smtpUrl: string | undefined; from: string; log?: (msg: string, err?: unknown) => void }): JobDefinition {
  let sender: MailSender | undefined;
  return {
    name: MAIL_JOB,
    everySeconds: 30,
    leaseSeconds: 300,
    async run() {
      if (!options.smtpUrl) return 'SMTP is not configured: mail stays in the outbox';
      sender ??= createMailSender(db, options);
      return `${await sender.flush()} sent`;
    },
    async close() {
      await sender?.close();
    },
  };
}
