import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { env } from './views.ts';
import '../messages.ts';
import { translate } from '../i18n.ts';

/** Renders a snippet that imports the form macros, as module templates do. */
function render(body: string, context: Record<string, unknown> = {}): string {
  return env.renderString(`{% import "macros/form.njk" as form %}${body}`, {
    t: (key: string) => translate('ja', key),
    ...context,
  });
}

/** The attributes of the first <tag …> in html, as the HTML parser would split them. */
function attributesOf(html: string, tag: string): Map<string, string> {
  const match = new RegExp(`<${tag}\\b([^>]*)>`).exec(html);
  assert.ok(match, `a <${tag}> element`);
  const attrs = new Map<string, string>();
  for (const m of match[1]!.matchAll(/([^\s"'=<>/]+)(?:="([^"]*)")?/g)) attrs.set(m[1]!, m[2] ?? '');
  return attrs;
}

const errors = [{ path: 'email', message: 'メールアドレスを入力してください' }];

describe('form macros', () => {
  it('keeps every attribute of an invalid input separate', () => {
    const html = render(`{{ form.input('email', 'メール', errors, type='email', autocomplete='email', hint='例', inputmode='email') }}`, {
      errors,
    });
    // Each attribute must be preceded by whitespace, or the parser merges it into its neighbour.
    const tag = /<input\b[^>]*>/.exec(html)![0];
    assert.doesNotMatch(tag, /="[^"]*"[^\s>]|\brequired[^\s>]/, tag);
    const attrs = attributesOf(html, 'input');
    assert.equal(attrs.get('id'), 'email');
    assert.equal(attrs.get('autocomplete'), 'email');
    assert.equal(attrs.get('inputmode'), 'email');
    assert.ok(attrs.has('required'));
    assert.equal(attrs.get('aria-invalid'), 'true');
    assert.equal(attrs.get('aria-describedby'), 'email-hint email-error');
    assert.match(html, /<p id="email-error" class="field__error">/);
    assert.match(html, /class="field field--error"/);
  });

  it('leaves a valid optional input without error wiring', () => {
    const attrs = attributesOf(render(`{{ form.input('name', '名前', [], value='a"b', required=false) }}`), 'input');
    assert.equal(attrs.get('value'), 'a&quot;b', 'values are escaped');
    assert.ok(!attrs.has('required'));
    assert.ok(!attrs.has('aria-invalid'));
    assert.ok(!attrs.has('aria-describedby'));
  });

  it('marks only the fields that have an error', () => {
    const html = render(`{{ form.input('email', 'メール', errors) }}{{ form.input('name', '名前', errors) }}`, { errors });
    const [email, name] = html.split('<div class="field').slice(1);
    assert.match(email!, /^ field--error"/);
    assert.match(name!, /^">/);
    assert.doesNotMatch(name!, /aria-invalid|aria-describedby|field__error/);
  });

  it('wires textareas and selects the same way', () => {
    const ctx = { errors: [{ path: 'body', message: 'x' }, { path: 'kind', message: 'y' }] };
    const ta = attributesOf(render(`{{ form.textarea('body', '本文', errors, hint='h') }}`, ctx), 'textarea');
    assert.equal(ta.get('aria-invalid'), 'true');
    assert.equal(ta.get('aria-describedby'), 'body-hint body-error');
    const html = render(`{{ form.select('kind', '種類', errors, [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }], value='b') }}`, ctx);
    const sel = attributesOf(html, 'select');
    assert.equal(sel.get('aria-invalid'), 'true');
    assert.equal(sel.get('aria-describedby'), 'kind-error');
    assert.match(html, /<option value="b" selected>B<\/option>/);
  });

  it('gives the required marker and error prefix in the page language when told it', () => {
    const en = render(`{{ form.input('email', 'E-mail', errors, lang='en') }}`, { errors });
    assert.match(en, /\(required\)/);
    assert.match(en, /<span class="visually-hidden">Error: <\/span>/);
    const ja = render(`{{ form.input('email', 'メール', errors, lang='ja') }}`, { errors });
    assert.match(ja, /※必須/);
    assert.match(ja, /<span class="visually-hidden">エラー：<\/span>/);
  });

  it('links the error summary to each field and focuses it on load', () => {
    const html = render(`{{ form.errorSummary(errors, t) }}`, { errors });
    assert.match(html, /<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>/);
    assert.match(html, /<a href="#email">メールアドレスを入力してください<\/a>/);
    assert.equal(render(`{{ form.errorSummary([], t) }}`).trim(), '');
  });
});
