/** The Atom feed of published incidents (and live ones of published systems), for feed readers. */
import { translate, type Lang } from '../../core/i18n.ts';
import type { IncidentView } from './monitoring.view-model.ts';
import './monitoring.messages.ts';

/** Characters XML 1.0 does not allow (control characters other than tab and line breaks). */
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(XML_FORBIDDEN, '');

/** An Atom 1.0 document; `base` is the site's public URL, `feedUrl` the feed's own. */
export function incidentFeed(options: { base: string; feedUrl: string; tenantName: string; incidents: readonly IncidentView[]; updated: Date; lang: Lang }): string {
  const { base, lang } = options;
  const t = (key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const entries = options.incidents.map((i) => {
    const lines = [
      `${t('monitoring.incident.statusLabel')}: ${i.status}`,
      `${t('monitoring.incident.started')}: ${i.started}`,
      ...(i.ended ? [`${t('monitoring.incident.ended')}: ${i.ended}`] : []),
      `${t('monitoring.incident.duration')}: ${i.duration}`,
      ...(i.cause ? [`${t('monitoring.incident.cause')}: ${i.cause}`] : []),
      ...(i.action ? [`${t('monitoring.incident.action')}: ${i.action}`] : []),
      ...(i.demo ? [t('monitoring.demo.badgeText')] : []),
    ];
    return `  <entry>
    <id>urn:uuid:${i.id}</id>
    <title>${escapeXml(t('monitoring.feed.entryTitle', { system: i.system, status: i.status }))}</title>
    <link rel="alternate" type="text/html" href="${escapeXml(base + i.publicHref)}"/>
    <updated>${i.updated.toISOString()}</updated>
    <content type="text">${escapeXml(lines.join('\n'))}</content>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">
  <id>${escapeXml(options.feedUrl)}</id>
  <title>${escapeXml(t('monitoring.feed.title', { city: options.tenantName }))}</title>
  <link rel="self" type="application/atom+xml" href="${escapeXml(options.feedUrl)}"/>
  <link rel="alternate" type="text/html" href="${escapeXml(base + '/status')}"/>
  <updated>${options.updated.toISOString()}</updated>
  <author><name>${escapeXml(options.tenantName)}</name></author>
${entries.join('\n')}
</feed>
`;
}
