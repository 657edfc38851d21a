/**
 * One error registry: each error has a stable code, an HTTP status and a message in Japanese
 * and English. API responses use RFC 9457 problem+json; pages render the error page.
 */
import type { Lang } from './i18n.ts';

export interface FieldError {
  /** Where the problem is: a JSON pointer-like path such as "chapters.0.title" or a form field name. */
  path: string;
  message: string;
}

interface ErrorDef {
  status: number;
  ja: string;
  en: string;
}

/** The registry. Codes are stable: clients may branch on them. */
export const ERRORS = {
  validation: { status: 400, ja: '入力内容に誤りがあります', en: 'The input is invalid' },
  bad_request: { status: 400, ja: 'リクエストが正しくありません', en: 'The request is malformed' },
  unauthenticated: { status: 401, ja: 'ログインが必要です', en: 'Sign-in is required' },
  forbidden: { status: 403, ja: 'この操作を行う権限がありません', en: 'You are not allowed to do this' },
  csrf: {
    status: 403,
    ja: 'フォームの有効期限が切れたか、不正な送信です。もう一度お試しください',
    en: 'The form has expired or was not sent from this site; please try again',
  },
  not_found: { status: 404, ja: 'ページまたはデータが見つかりません', en: 'Not found' },
  conflict: { status: 409, ja: '他のデータと競合しています', en: 'This conflicts with existing data' },
  payload_too_large: { status: 413, ja: '送信データが大きすぎます', en: 'The request is too large' },
  unsupported_media_type: { status: 415, ja: 'この形式のデータは受け付けられません', en: 'Unsupported content type' },
  rate_limited: {
    status: 429,
    ja: '試行回数が多すぎます。しばらく待ってから再度お試しください',
    en: 'Too many attempts; please wait and try again',
  },
  internal: {
    status: 500,
    ja: 'システムエラーが発生しました。時間をおいて再度お試しください',
    en: 'An unexpected error occurred; please try again later',
  },
  unavailable: { status: 503, ja: 'データベースに接続できません', en: 'The database is unavailable' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected failure: carries its registry code, optional detail and field errors. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: { ja: string; en: string },
    readonly errors: FieldError[] = [],
  ) {
    super(detail?.en ?? ERRORS[code].en);
    this.status = ERRORS[code].status;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

/**
 * Text that goes back to a client: control characters (NUL, escape sequences, the C1 range)
 * never echoed, and bounded length, whatever the input held.
 */
export function clean(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const visible = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
  return visible.length > max ? `${visible.slice(0, max)}…` : visible;
}

/** The problem+json body for an error in the reader's language. */
export function toProblem(err: AppError, lang: Lang, instance?: string, requestId?: string): Problem {
  const def = ERRORS[err.code];
  return {
    type: `https://hibiki.example.jp/problems/${err.code.replaceAll('_', '-')}`,
    title: def[lang],
    status: err.status,
    code: err.code,
    ...(err.detail ? { detail: clean(err.detail[lang]) } : {}),
    ...(instance ? { instance: clean(instance, 200) } : {}),
    ...(requestId ? { requestId } : {}),
    ...(err.errors.length ? { errors: err.errors.slice(0, 200).map((e) => ({ path: clean(e.path, 200), message: clean(e.message) })) } : {}),
  };
}
