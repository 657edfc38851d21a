/**
 * One try of a check: an HTTP(S) request (status and optional keyword), a TCP connection, or
 * a TLS handshake with the certificate's days left. Every try ends by its timeout. Nothing
 * here touches the database: the runner probes first and records afterwards, so no
 * transaction is held open while a system is slow (and Hibiki's own /healthz, which needs the
 * database, can answer its own check on the single-connection embedded database).
 */
import net from 'node:net';
import tls from 'node:tls';

export interface ProbeTarget {
  kind: 'http' | 'tcp' | 'tls';
  url: string;
  method: 'GET' | 'HEAD';
  expectedStatus: number | null;
  keyword: string | null;
  timeoutMs: number;
  tlsMinDays: number | null;
}

export interface ProbeResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number | null;
  /** What went wrong (or, for TLS, the certificate's expiry); never a response body. */
  detail: string | null;
}

const MAX_BODY = 1024 * 1024;
const DAY_MS = 86_400_000;

/** Tries the target once; `now` dates a TLS certificate's remaining days. */
export async function probe(target: ProbeTarget, now: Date): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (target.kind === 'http') return await probeHttp(target, elapsed);
    const { hostname, port } = hostAndPort(target.url, target.kind === 'tcp' ? null : 443);
    if (target.kind === 'tcp') {
      await connectTcp(hostname, port, target.timeoutMs);
      return { ok: true, statusCode: null, latencyMs: elapsed(), detail: null };
    }
    const validTo = await certificateExpiry(hostname, port, target.timeoutMs);
    return { ...certificateVerdict(validTo, now, target.tlsMinDays ?? 0), statusCode: null, latencyMs: elapsed() };
  } catch (err) {
    return { ok: false, statusCode: null, latencyMs: null, detail: describeError(err, target.timeoutMs) };
  }
}

/** A certificate is up while at least minDays whole days are left before it expires. */
export function certificateVerdict(validTo: Date, now: Date, minDays: number): { ok: boolean; detail: string } {
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  return { ok: daysLeft >= minDays, detail: `certificate expires ${validTo.toISOString().slice(0, 10)} (${daysLeft} days)` };
}

async function probeHttp(target: ProbeTarget, elapsed: () => number): Promise<ProbeResult> {
  const expectsRedirect = target.expectedStatus !== null && target.expectedStatus >= 300 && target.expectedStatus < 400;
  const res = await fetch(target.url, {
    method: target.method,
    redirect: expectsRedirect ? 'manual' : 'follow',
    signal: AbortSignal.timeout(target.timeoutMs),
    headers: { 'user-agent': 'Hibiki-monitor/1.0 (+availability check)', accept: '*/*' },
  });
  const statusOk = target.expectedStatus !== null ? res.status === target.expectedStatus : res.status >= 200 && res.status < 300;
  if (!statusOk) {
    await res.body?.cancel().catch(() => undefined);
    const wanted = target.expectedStatus !== null ? String(target.expectedStatus) : '2xx';
    return { ok: false, statusCode: res.status, latencyMs: elapsed(), detail: `HTTP ${res.status} (expected ${wanted})` };
  }
  if (target.keyword && target.method === 'GET') {
    const body = await readLimited(res, MAX_BODY);
    if (!body.includes(target.keyword)) return { ok: false, statusCode: res.status, latencyMs: elapsed(), detail: 'keyword not found in the response' };
  } else {
    await res.body?.cancel().catch(() => undefined);
  }
  return { ok: true, statusCode: res.status, latencyMs: elapsed(), detail: null };
}

/** The body as text, at most `max` bytes (a huge page is cut, not buffered whole). */
async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= max) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max));
}

/** Host and port of tcp://host:port, tls://host:port or https://host[:port]. */
export function hostAndPort(url: string, defaultPort: number | null): { hostname: string; port: number } {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : defaultPort;
  if (!port) throw new Error('no port');
  return { hostname: u.hostname.replace(/^\[|\]$/g, ''), port };
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError());
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

function certificateExpiry(host: string, port: number, timeoutMs: number): Promise<Date> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError());
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      socket.destroy();
      if (!cert?.valid_to) reject(new Error('no certificate'));
      else resolve(new Date(cert.valid_to));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** A short, safe description of a failed try (error codes, not stack traces). */
function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const code = e?.cause?.code ?? e?.code;
  if (code) return `connection failed (${code})`;
  return `failed: ${String(e?.cause?.message ?? e?.message ?? err).slice(0, 200)}`;
}
